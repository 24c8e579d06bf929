# Finds crc's libraries through pkg-config. Each must come from a Debian package; a missing one stops the
# configure step with the name of the package to install (scripts/setup installs them all).
include_guard(GLOBAL)

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' "
    "(or run scripts/setup, which installs everything crc needs)")
endif()

# crc_require(<prefix> <pkg-config module> <Debian package>): defines the imported target
# PkgConfig::<prefix> or fails with the package name.
function(crc_require prefix module debian_package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "${module} (pkg-config) not found: install the Debian package "
      "'${debian_package}' (or run scripts/setup, which installs everything crc needs)")
  endif()
  message(STATUS "Found ${module} ${${prefix}_VERSION}")
endfunction()

crc_require(YAML yaml-0.1 libyaml-dev)
crc_require(ARCHIVE libarchive libarchive-dev)
crc_require(CRYPTO libcrypto libssl-dev)
crc_require(CJSON libcjson libcjson-dev)
crc_require(CURL libcurl libcurl4-openssl-dev)
if(CRC_BUILD_TESTS)
  crc_require(CRITERION criterion libcriterion-dev)
endif()
