# Building the runtime for wasm32-wasi with clang and Debian's wasi-libc (sysroot /usr, libraries in
# /usr/lib/wasm32-wasi). Programs run under Node's node:wasi through wasi-run.mjs.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_C_FLAGS_INIT "-D_WASI_EMULATED_PROCESS_CLOCKS")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -lwasi-emulated-process-clocks")
set(CMAKE_FIND_ROOT_PATH /usr/lib/wasm32-wasi /usr/include/wasm32-wasi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
find_program(NOA_NODE node REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${NOA_NODE};${CMAKE_CURRENT_LIST_DIR}/../wasi-run.mjs")
# No pkg-config libraries exist for wasm32-wasi.
set(ENV{PKG_CONFIG_LIBDIR} "/nonexistent")
set(ENV{PKG_CONFIG_PATH} "")
