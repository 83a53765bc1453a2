# embed.cmake: cmake -DIN=FILE -DOUT=FILE.c -DNAME=sym -P embed.cmake writes FILE's bytes as
# `const unsigned char sym[]` (NUL-terminated) and `const size_t sym_len`, for the tool to
# carry a page (src/cli/explorer.html) without reading files at run time.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
file(WRITE "${OUT}.tmp"
     "/* Generated from ${IN} by scripts/embed.cmake: do not edit. */\n#include <stddef.h>\n"
     "const unsigned char ${NAME}[] = {\n${bytes}0x00};\nconst size_t ${NAME}_len = ${n};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
