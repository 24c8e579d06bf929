# noa bench: it runs and prints a JSON object (its keys are checked in test_model.c) or a table, a forced
# variant (NOA_KERNEL) that exists is used, and one that is unknown or not compiled for this target is an
# input error (exit 3). Timings are never checked.
noa_cli_test(bench_json ARGS bench --json JSON)
noa_cli_test(bench_text ARGS bench)
noa_cli_test(bench_forced_scalar ARGS bench --json JSON ENV NOA_KERNEL=scalar)
noa_cli_test(bench_forced_unknown ARGS bench --json RC 3 ENV NOA_KERNEL=sse5)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  noa_cli_test(bench_forced_not_compiled ARGS bench RC 3 ENV NOA_KERNEL=avx2)
  noa_cli_test(bench_forced_native ARGS bench --json JSON ENV NOA_KERNEL=neon)
else()
  noa_cli_test(bench_forced_not_compiled ARGS bench RC 3 ENV NOA_KERNEL=neon)
endif()
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "wasm32")
  noa_cli_test(bench_forced_native ARGS bench --json JSON ENV NOA_KERNEL=simd128)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  noa_cli_test(bench_forced_native ARGS bench --json JSON ENV NOA_KERNEL=sse2)
endif()
noa_cli_test(bench_unknown_option ARGS bench --jsn RC 2)
noa_cli_test(bench_help ARGS bench --help)

# A hang (say, threads that never start under an emulator) fails within two minutes, not ctest's 25.
set_tests_properties(noa.kernels noa.model noa.cli.bench_json noa.cli.bench_text noa.cli.bench_forced_scalar
  noa.cli.bench_forced_native PROPERTIES TIMEOUT 120)
