# noa probe: each fixture tree's JSON compared byte for byte with its expected.json (or
# expected.json.<triple> where the embedded target differs, as on wasm32), the summary, the host probe,
# NOA_SYSROOT, and the usage and input errors. Regenerate with NOA_GOLDEN_UPDATE=1 ctest -R probe.
set(_probe_dir "${CMAKE_CURRENT_SOURCE_DIR}/fixtures")
foreach(f IN ITEMS graviton2 x86-nvidia-server edge-igpu container-cgroup2 container-cgroup1 cgroup2-max
    cgroup1-unlimited broken-truncated broken-garbage broken-missing)
  noa_cli_test(probe_${f} ARGS probe --json --sysroot "${_probe_dir}/${f}" JSON
    EXPECT "${_probe_dir}/${f}/expected.json")
endforeach()
noa_cli_test(probe_text_graviton2 ARGS probe --sysroot "${_probe_dir}/graviton2"
  EXPECT "${_probe_dir}/graviton2/expected.txt")
noa_cli_test(probe_env_sysroot ARGS probe --json JSON ENV "NOA_SYSROOT=${_probe_dir}/graviton2"
  EXPECT "${_probe_dir}/graviton2/expected.json")
noa_cli_test(probe_sysroot_equals ARGS probe --json "--sysroot=${_probe_dir}/graviton2" JSON
  EXPECT "${_probe_dir}/graviton2/expected.json")
noa_cli_test(probe_host_json ARGS probe --json JSON)
noa_cli_test(probe_host_text ARGS probe)
noa_cli_test(probe_sysroot_not_a_directory ARGS probe --sysroot "${_probe_dir}/graviton2/README" RC 3)
noa_cli_test(probe_sysroot_missing ARGS probe --sysroot "${_probe_dir}/does-not-exist" RC 3)
noa_cli_test(probe_sysroot_without_directory ARGS probe --sysroot RC 2)
noa_cli_test(probe_unknown_option ARGS probe --jsn RC 2)

# Under wasm32-wasi, wasi-libc resolves absolute paths against the "." preopen when the runner also
# preopens "/" (both prefixes normalise alike), so fixture paths only resolve from "/" as the working
# directory; it is harmless elsewhere.
get_property(_probe_tests DIRECTORY PROPERTY TESTS)
list(FILTER _probe_tests INCLUDE REGEX "^noa\\.(cli\\.)?probe")
set_tests_properties(${_probe_tests} PROPERTIES WORKING_DIRECTORY /)
