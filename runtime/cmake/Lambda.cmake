# The lambda gate: bootstrap, noa's AWS Lambda custom runtime (bootstrap/*.c), statically linked so that
# it runs on any Lambda base image, installed to bin/bootstrap beside noa. Linux targets only: wasm32-wasi
# has no sockets to reach the Runtime API, so there the gate builds nothing and says so.
if(NOT NOA_FEATURE_LAMBDA)
  return()
endif()
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  message(STATUS "noa: NOA_FEATURE_LAMBDA is ON but bootstrap needs a Linux target "
    "(this one is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}); bootstrap is not built")
  set(NOA_BUILD_BOOTSTRAP OFF)
  return()
endif()
set(NOA_BUILD_BOOTSTRAP ON)
file(GLOB NOA_BOOTSTRAP_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/bootstrap/*.c")
add_executable(noa_bootstrap ${NOA_BOOTSTRAP_SOURCES})
set_target_properties(noa_bootstrap PROPERTIES OUTPUT_NAME bootstrap)
# libnoa's own link interface names libyaml's shared object (pkg-config's full path), which a static link
# refuses: bootstrap takes libnoa's objects and the static archives instead.
set(_noa_bootstrap_libs "")
if(NOA_YAML_FOUND)
  find_library(NOA_YAML_STATIC_LIBRARY NAMES libyaml.a HINTS ${NOA_YAML_LIBRARY_DIRS})
  if(NOT NOA_YAML_STATIC_LIBRARY)
    message(FATAL_ERROR "NOA_FEATURE_LAMBDA needs the static libyaml (libyaml.a, Debian's libyaml-dev) to "
      "link bootstrap statically")
  endif()
  list(APPEND _noa_bootstrap_libs "${NOA_YAML_STATIC_LIBRARY}")
endif()
target_include_directories(noa_bootstrap PRIVATE $<TARGET_PROPERTY:noa,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(noa_bootstrap PRIVATE $<TARGET_PROPERTY:noa,INTERFACE_COMPILE_DEFINITIONS>)
target_link_libraries(noa_bootstrap PRIVATE $<TARGET_OBJECTS:noa> ${_noa_bootstrap_libs} ${CMAKE_DL_LIBS})
if(NOA_LIBM)
  # By name: find_library may have found the shared object, which a static link refuses.
  target_link_libraries(noa_bootstrap PRIVATE m)
endif()
add_dependencies(noa_bootstrap noa)
target_link_options(noa_bootstrap PRIVATE -static)
strict_warnings(noa_bootstrap ${NOA_WERROR})
install(TARGETS noa_bootstrap)
