# Turn a binary file into a C array (no xxd needed).
# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed_guest.cmake
# An empty IN gives an empty image (length 0): the guest was not built here.
if(IN STREQUAL "")
  set(hex "")
else()
  file(READ ${IN} hex HEX)
endif()
string(LENGTH "${hex}" hex_len)
math(EXPR n_bytes "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
if(n_bytes EQUAL 0)
  set(body "0") # C has no empty arrays; the length below says 0
endif()
file(WRITE ${OUT}.tmp
  "/* Generated from ${IN} by core/embed_guest.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "#include \"vmm.h\"\n"
  "const unsigned char ${NAME}[] = {\n${body}\n};\n"
  "const size_t ${NAME}_len = ${n_bytes};\n")
# configure_file(COPYONLY) rewrites OUT only when the bytes changed.
configure_file(${OUT}.tmp ${OUT} COPYONLY)
file(REMOVE ${OUT}.tmp)
