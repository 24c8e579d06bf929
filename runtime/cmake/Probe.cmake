# The CPU probe's per-architecture half (src/probe_cpu.h): cpuid on x86_64, getauxval on aarch64, and
# the build's own target elsewhere (wasm32). Exactly one of these files joins the noa target.
target_include_directories(noa PRIVATE "${PROJECT_SOURCE_DIR}/src")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/x86_64/cpu_x86.c")
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/aarch64/cpu_arm.c")
else()
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/generic/cpu_generic.c")
  set_source_files_properties("${PROJECT_SOURCE_DIR}/src/arch/generic/cpu_generic.c" PROPERTIES
    COMPILE_DEFINITIONS "NOA_CPU_ARCH=\"${CMAKE_SYSTEM_PROCESSOR}\"")
endif()
