# Strict warnings for our own targets (never third-party code), shared by the runtime and, through
# include(), by crc's top-level build. Usage: strict_warnings(<target> <werror-bool>).
include_guard(GLOBAL)

function(strict_warnings target werror)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
    -Wformat=2 -Wundef -Wvla -Wcast-qual -Wwrite-strings -Wpointer-arith
    -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough)
  if(werror)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
