# Run by `cmake --install`: copies the public headers (public_header_closure.cmake) from
# LLMEDIT_SOURCE_DIR to <prefix>/LLMEDIT_HEADER_DESTINATION, keeping their paths, so that
# `#include "libllmedit/..."` works with that folder on the include path.
cmake_policy(PUSH)  # this script's policies stay its own when cmake --install includes it
cmake_policy(VERSION 3.18)
include("${CMAKE_CURRENT_LIST_DIR}/public_header_closure.cmake")
llmedit_public_headers(headers "${LLMEDIT_SOURCE_DIR}")
foreach(header IN LISTS headers)
  get_filename_component(folder "${header}" DIRECTORY)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${LLMEDIT_HEADER_DESTINATION}/${folder}"
       TYPE FILE FILES "${LLMEDIT_SOURCE_DIR}/${header}")
endforeach()
cmake_policy(POP)
