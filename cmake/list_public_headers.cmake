# Prints the public headers, one per line, relative to the source folder (for scripts/docs.sh):
#   cmake -DLLMEDIT_SOURCE_DIR=<repo> -P cmake/list_public_headers.cmake
cmake_policy(PUSH)  # this script's policies stay its own when cmake --install includes it
cmake_policy(VERSION 3.18)
include("${CMAKE_CURRENT_LIST_DIR}/public_header_closure.cmake")
llmedit_public_headers(headers "${LLMEDIT_SOURCE_DIR}")
foreach(header IN LISTS headers)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E echo "${header}")
endforeach()
cmake_policy(POP)
