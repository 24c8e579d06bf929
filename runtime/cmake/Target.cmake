# Deploy target detection and the policy reader. Target detection's compile-time half is one file per
# platform (src/target_arch.h); the policy reader is src/policy/policy_yaml.c when libyaml is found
# (pkg-config yaml-0.1; the aarch64 toolchain file points pkg-config at the arm64 .pc files) and
# src/policy/policy_noyaml.c otherwise (wasm32 has no libyaml).
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "wasm32")
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/wasm32/target_wasm.c")
else()
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/generic/target_host.c")
endif()
target_include_directories(noa PRIVATE "${PROJECT_SOURCE_DIR}/src")

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(NOA_YAML QUIET IMPORTED_TARGET yaml-0.1)
endif()
if(NOA_YAML_FOUND)
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/policy/policy_yaml.c")
  target_link_libraries(noa PUBLIC PkgConfig::NOA_YAML)
else()
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/policy/policy_noyaml.c")
endif()
