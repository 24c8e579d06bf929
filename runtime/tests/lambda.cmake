# bootstrap, the AWS Lambda custom runtime (the lambda gate, Linux targets only): tests/lambda/
# test_bootstrap.py runs it (through the target's emulator) against a fake Runtime API on 127.0.0.1, one
# test per scenario, and lambda/check-static.sh proves it is statically linked.
if(NOT NOA_BUILD_BOOTSTRAP)
  return()
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)
foreach(scenario IN ITEMS invocations errors init-error no-api api-gone)
  add_test(NAME noa.lambda.${scenario}
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/lambda/test_bootstrap.py" ${scenario}
      --bootstrap "$<TARGET_FILE:noa_bootstrap>" --noa "$<TARGET_FILE:noa_cli>"
      --fixtures "${CMAKE_CURRENT_SOURCE_DIR}/fixtures" -- ${CMAKE_CROSSCOMPILING_EMULATOR})
  set_tests_properties(noa.lambda.${scenario} PROPERTIES TIMEOUT 600)
endforeach()
add_test(NAME noa.lambda.static COMMAND sh "${CMAKE_CURRENT_SOURCE_DIR}/lambda/check-static.sh"
  "$<TARGET_FILE:noa_bootstrap>")
