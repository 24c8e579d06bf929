# The GPU probe's NVML loader: dlopen() on Linux (NVML is never linked), nothing where libraries cannot be
# loaded at run time (wasm32-wasi). Exactly one of these files joins the noa target.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/linux/nvml_dl.c")
  target_link_libraries(noa PUBLIC ${CMAKE_DL_LIBS})
else()
  target_sources(noa PRIVATE "${PROJECT_SOURCE_DIR}/src/arch/generic/nvml_none.c")
endif()
