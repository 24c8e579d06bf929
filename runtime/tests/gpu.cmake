# GPU and accelerator probes: fixture trees through `noa probe` (amd-gpu-server, accel-host, gpu-symlinks,
# nvidia-bad-version), and on the
# host the fake NVML library that NOA_NVML_LIBRARY loads (dlopen of a host library is impossible under
# qemu-aarch64 and wasm32 has no dlopen).
set(_gpu_dir "${CMAKE_CURRENT_SOURCE_DIR}/fixtures")
foreach(f IN ITEMS amd-gpu-server accel-host gpu-symlinks nvidia-bad-version)
  noa_cli_test(probe_${f} ARGS probe --json --sysroot "${_gpu_dir}/${f}" JSON
    EXPECT "${_gpu_dir}/${f}/expected.json")
endforeach()
noa_cli_test(probe_accel_env ARGS probe --json --sysroot "${_gpu_dir}/graviton2" JSON
  ENV "TPU_NAME=v5e-8" "NEURON_RT_VISIBLE_CORES=0"
  EXPECT "${_gpu_dir}/graviton2/expected-accel-env.json")

if(NOT CMAKE_CROSSCOMPILING)
  add_library(fake_nvml SHARED fake_nvml.c)
  set_target_properties(fake_nvml PROPERTIES C_VISIBILITY_PRESET default)
  strict_warnings(fake_nvml ${NOA_WERROR})
  target_compile_definitions(noa_test_nvml PRIVATE FAKE_NVML="$<TARGET_FILE:fake_nvml>")
  add_dependencies(noa_test_nvml fake_nvml)
  noa_cli_test(probe_fake_nvml ARGS probe --json --sysroot "${_gpu_dir}/x86-nvidia-server" JSON
    ENV "NOA_NVML_LIBRARY=$<TARGET_FILE:fake_nvml>"
    EXPECT "${_gpu_dir}/x86-nvidia-server/expected-nvml.json")
endif()

get_property(_gpu_tests DIRECTORY PROPERTY TESTS)
list(FILTER _gpu_tests INCLUDE REGEX "^noa\\.(cli\\.)?probe_(amd|accel|fake|gpu|nvidia)")
set_tests_properties(${_gpu_tests} PROPERTIES WORKING_DIRECTORY /)
