# Fuzzing of the parsers that read hostile input (tests/fuzz/fuzz_<name>.c, libFuzzer targets), on the
# host only. Two tests per target:
#   noa.fuzz_replay.<name>  the target built with the project's compiler and strict warnings, linked with
#                           tests/fuzz/replay.c and libnoa, replays the seed corpus tests/fuzz/corpus/<name>/;
#   noa.fuzz_run.<name>     tests/fuzz/run-fuzz.sh compiles the target with clang under libFuzzer, ASan and
#                           UBSan (with the runtime sources listed below) and fuzzes from the seeds for
#                           NOA_FUZZ_SECONDS (default 10), failing on any crash, leak, hang or sanitizer
#                           report. The environment variable NOA_FUZZ_SECONDS overrides it at test time,
#                           within the test's TIMEOUT of the configured seconds + 120; configure with
#                           -DNOA_FUZZ_SECONDS=N for longer runs.
# Reproducers from a failed run are kept in <build>/tests/fuzz-artifacts/<name>/.
if(CMAKE_CROSSCOMPILING)
  return()
endif()

set(NOA_FUZZ_SECONDS 10 CACHE STRING "Seconds each bounded fuzz run (noa.fuzz_run.*) lasts")
find_program(NOA_CLANG clang)
if(NOT NOA_CLANG)
  message(FATAL_ERROR "clang not found, needed for the fuzz tests (noa.fuzz_run.*): install the Debian "
    "packages 'clang' and 'libclang-rt-14-dev' (scripts/setup installs everything), or configure with "
    "-DNOA_BUILD_TESTS=OFF")
endif()
# libFuzzer and the sanitizer runtimes come in a separate package; check once per clang.
if(NOT NOA_CLANG_FUZZER_WORKS STREQUAL "${NOA_CLANG}")
  set(_fuzz_probe "${CMAKE_CURRENT_BINARY_DIR}/fuzz-probe")
  file(MAKE_DIRECTORY "${_fuzz_probe}")
  file(WRITE "${_fuzz_probe}/probe.c" "#include <stddef.h>\n#include <stdint.h>\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }\n")
  execute_process(COMMAND "${NOA_CLANG}" -fsanitize=fuzzer,address,undefined -o "${_fuzz_probe}/probe"
      "${_fuzz_probe}/probe.c"
    RESULT_VARIABLE _fuzz_rc OUTPUT_VARIABLE _fuzz_out ERROR_VARIABLE _fuzz_out)
  if(NOT _fuzz_rc EQUAL 0)
    message(FATAL_ERROR "${NOA_CLANG} cannot build a libFuzzer target (-fsanitize=fuzzer,address,undefined):"
      "\n${_fuzz_out}\ninstall the Debian package 'libclang-rt-14-dev' (the runtimes of clang 14; "
      "scripts/setup installs everything), or configure with -DNOA_BUILD_TESTS=OFF")
  endif()
  set(NOA_CLANG_FUZZER_WORKS "${NOA_CLANG}" CACHE INTERNAL "The clang that built a libFuzzer target")
endif()

set(_fuzz_dir "${CMAKE_CURRENT_SOURCE_DIR}/fuzz")
set(_fuzz_src "${PROJECT_SOURCE_DIR}/src")
# The runtime sources each target needs under clang, beside the target itself.
set(_fuzz_sources_cpuinfo "${_fuzz_src}/cpuinfo.c" "${_fuzz_src}/error.c")
set(_fuzz_sources_policy "${_fuzz_src}/policy.c" "${_fuzz_src}/json.c" "${_fuzz_src}/error.c")
set(_fuzz_libs_policy -lm)
set(_fuzz_sources_http "${_fuzz_src}/http.c" "${_fuzz_src}/error.c")
set(_fuzz_sources_lambda_event "${_fuzz_src}/lambda_event.c" "${_fuzz_src}/policy.c" "${_fuzz_src}/json.c"
  "${_fuzz_src}/error.c")
set(_fuzz_libs_lambda_event -lm)
if(NOA_YAML_FOUND)
  list(APPEND _fuzz_sources_policy "${_fuzz_src}/policy/policy_yaml.c")
  list(APPEND _fuzz_libs_policy ${NOA_YAML_CFLAGS} ${NOA_YAML_LDFLAGS})
else()
  list(APPEND _fuzz_sources_policy "${_fuzz_src}/policy/policy_noyaml.c")
endif()

foreach(name IN ITEMS cpuinfo policy http lambda_event)
  set(corpus "${_fuzz_dir}/corpus/${name}")
  add_executable(noa_fuzz_replay_${name} "${_fuzz_dir}/replay.c" "${_fuzz_dir}/fuzz_${name}.c")
  target_link_libraries(noa_fuzz_replay_${name} PRIVATE noa)
  target_include_directories(noa_fuzz_replay_${name} PRIVATE "${_fuzz_src}")
  strict_warnings(noa_fuzz_replay_${name} ${NOA_WERROR})
  add_test(NAME noa.fuzz_replay.${name} COMMAND noa_fuzz_replay_${name} "${corpus}")

  add_test(NAME noa.fuzz_run.${name}
    COMMAND sh "${_fuzz_dir}/run-fuzz.sh" "${NOA_CLANG}" "${NOA_FUZZ_SECONDS}" "${_fuzz_dir}/fuzz_${name}.c"
      "${corpus}" "${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts/${name}"
      "-I${PROJECT_SOURCE_DIR}/include" "-I${_fuzz_src}" ${_fuzz_sources_${name}} ${_fuzz_libs_${name}})
  math(EXPR _fuzz_timeout "${NOA_FUZZ_SECONDS} + 120")
  set_tests_properties(noa.fuzz_run.${name} PROPERTIES TIMEOUT ${_fuzz_timeout} LABELS fuzz)
  set_tests_properties(noa.fuzz_replay.${name} PROPERTIES LABELS fuzz)
endforeach()
