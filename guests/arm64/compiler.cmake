# Finds the cross compiler for the arm64 guests (Debian: gcc-aarch64-linux-gnu).
# Included from the top-level CMakeLists.txt before core/, so core/ (which
# embeds guest_arm64_demo) and tests/ can test HVT_ARM64_GUESTS on the first
# configure. guests/arm64/CMakeLists.txt builds the guests when it is ON.
find_program(HVT_ARM64_CC NAMES aarch64-linux-gnu-gcc
  DOC "cross gcc for the arm64 guests (Debian package gcc-aarch64-linux-gnu)")
if(HVT_ARM64_CC)
  set(HVT_ARM64_GUESTS ON CACHE INTERNAL "arm64 guests are built (aarch64-linux-gnu-gcc found)")
  set(HVT_ARM64_GUEST_DIR ${CMAKE_BINARY_DIR}/guests/arm64 CACHE INTERNAL "where arm64 guest ELF files go")
else()
  set(HVT_ARM64_GUESTS OFF CACHE INTERNAL "arm64 guests are built (aarch64-linux-gnu-gcc found)")
  message(STATUS "arm64 guests: not built (no aarch64-linux-gnu-gcc; Debian: apt-get install gcc-aarch64-linux-gnu)")
endif()
