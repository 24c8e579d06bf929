# noa target and noa plan: target detection on the marker trees in tests/targets (docker, podman, plain)
# and from the environment (Lambda, Kubernetes), golden JSON per tree (expected.json.<triple> where wasm32
# differs); plan output on a tree without GPUs, golden per gate combination (gpu-offload and low-power
# change the llama.cpp reason); the crafted policy files (exit 3 for each bad one; on builds without
# libyaml every --policy is exit 3); --set validation; usage errors. Regenerate with
# NOA_GOLDEN_UPDATE=1 ctest -R 'cli\.(target|plan)'.
set(_plan_targets "${CMAKE_CURRENT_SOURCE_DIR}/targets")
set(_plan_policies "${CMAKE_CURRENT_SOURCE_DIR}/policies")

noa_cli_test(target_host_json ARGS target --json JSON)
noa_cli_test(target_host_text ARGS target)
noa_cli_test(target_plain ARGS target --json --sysroot "${_plan_targets}/plain" JSON
  EXPECT "${_plan_targets}/plain/expected.json")
noa_cli_test(target_docker ARGS target --json --sysroot "${_plan_targets}/docker" JSON
  EXPECT "${_plan_targets}/docker/expected.json")
noa_cli_test(target_podman ARGS target --json --sysroot "${_plan_targets}/podman" JSON
  EXPECT "${_plan_targets}/podman/expected.json")
noa_cli_test(target_lambda ARGS target --json --sysroot "${_plan_targets}/docker" JSON
  ENV AWS_LAMBDA_FUNCTION_NAME=handler AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512
  EXPECT "${_plan_targets}/docker/expected-lambda.json")
noa_cli_test(target_kubernetes_text ARGS target --sysroot "${_plan_targets}/plain"
  ENV KUBERNETES_SERVICE_HOST=10.0.0.1 EXPECT "${_plan_targets}/plain/expected-kubernetes.txt")
noa_cli_test(target_unknown_option ARGS target --jsn RC 2)
noa_cli_test(target_sysroot_missing ARGS target --sysroot "${_plan_targets}/does-not-exist" RC 3)

# The plan on a tree with no hardware files: no GPU, unknown memory.
if(NOT NOA_FEATURE_GPU_OFFLOAD)
  set(_plan_gates "no-gpu-offload")
elseif(NOA_FEATURE_LOW_POWER)
  set(_plan_gates "low-power")
else()
  set(_plan_gates "gpu-offload")
endif()
noa_cli_test(plan_plain ARGS plan --json --sysroot "${_plan_targets}/plain" JSON
  EXPECT "${_plan_targets}/plain/plan-${_plan_gates}.json")
noa_cli_test(plan_host_json ARGS plan --json JSON)
noa_cli_test(plan_host_text ARGS plan)
noa_cli_test(plan_set ARGS plan --json --sysroot "${_plan_targets}/plain" --set prefer_gpu=false
  --set=lightweight_memory_threshold_gb=2.5 JSON)
noa_cli_test(plan_set_unknown_key ARGS plan --set prefer_cpu=true RC 3)
noa_cli_test(plan_set_bad_bool ARGS plan --set prefer_gpu=yes RC 3)
noa_cli_test(plan_set_out_of_range ARGS plan --set min_gpu_memory_gb=0 RC 3)
noa_cli_test(plan_set_without_value ARGS plan --set RC 2)
noa_cli_test(plan_unknown_option ARGS plan --frobnicate RC 2)
noa_cli_test(plan_policy_twice ARGS plan --policy a.yaml --policy b.yaml RC 2)
noa_cli_test(plan_policy_missing ARGS plan --policy "${_plan_policies}/does-not-exist.yaml" RC 3)

if(NOA_YAML_FOUND)
  set(_plan_good_rc 0)
else()
  set(_plan_good_rc 3)
endif()
file(GLOB _plan_policy_files CONFIGURE_DEPENDS "${_plan_policies}/*.yaml")
foreach(f IN LISTS _plan_policy_files)
  get_filename_component(name "${f}" NAME_WE)
  if(name MATCHES "^good-")
    set(rc ${_plan_good_rc})
  else()
    set(rc 3)
  endif()
  noa_cli_test(plan_policy_${name} ARGS plan --policy "${f}" --sysroot "${_plan_targets}/plain" RC ${rc})
endforeach()

# Under wasm32-wasi absolute paths only resolve from "/" as the working directory (see probe.cmake).
get_property(_plan_tests DIRECTORY PROPERTY TESTS)
list(FILTER _plan_tests INCLUDE REGEX "^noa\\.(cli\\.)?(target|plan|policy)")
set_tests_properties(${_plan_tests} PROPERTIES WORKING_DIRECTORY /)
