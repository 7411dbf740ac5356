# cmake -DIN=file.fatbin -DOUT=file.cpp -P EmbedFatbin.cmake
# Writes the bytes of IN as odvd::kernels::kFatbin / kFatbinSize. The array is 8-byte aligned because
# cuModuleLoadData reads the fatbin header in place.
file(READ "${IN}" _hex HEX)
string(LENGTH "${_hex}" _n)
math(EXPR _size "${_n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" _bytes "${_bytes}")
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/EmbedFatbin.cmake. Do not edit.\n#include \"kernels/fatbin.h\"\nnamespace odvd::kernels {\nalignas(8) const unsigned char kFatbin[] = {\n${_bytes}\n};\nconst std::size_t kFatbinSize = ${_size};\n}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
