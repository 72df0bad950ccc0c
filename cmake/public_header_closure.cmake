# The installed headers: the public entry headers and every repository header they include,
# directly or not. Headers no public header reaches (a module's internal helpers) are not
# installed. Computed from the sources each time, so the set follows the code.
#
# llmedit_public_headers(<out-var> <source-dir>) sets <out-var> to the paths relative to
# <source-dir>, sorted.

set(LLMEDIT_PUBLIC_ENTRY_HEADERS
  libllmedit/llmedit.h  # llmedit::llmedit
  methods/register.h)   # llmedit::methods

function(llmedit_public_headers out source_dir)
  set(pending ${LLMEDIT_PUBLIC_ENTRY_HEADERS})
  set(found "")
  while(pending)
    list(POP_FRONT pending header)
    if(header IN_LIST found)
      continue()
    endif()
    if(NOT EXISTS "${source_dir}/${header}")
      message(FATAL_ERROR "llmedit public headers: ${header} is included but does not exist under ${source_dir}")
    endif()
    list(APPEND found "${header}")
    file(STRINGS "${source_dir}/${header}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"(libllmedit|methods)/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[^\"]*\"([^\"]+)\".*$" "\\1" included "${line}")
      list(APPEND pending "${included}")
    endforeach()
  endwhile()
  list(SORT found)
  set(${out} "${found}" PARENT_SCOPE)
endfunction()
