# LLMEDIT_PARSERS_ONLY: the parsers (cmake/parsers.cmake), the unit tests that exercise them and,
# with LLMEDIT_FUZZ, the fuzz targets. CI builds this with -DLLMEDIT_SANITIZE=address,undefined
# as its second build (scripts/test.sh); the rest of the library and its tests are left out of
# that build only because of its cost (README, "Sanitizers").
include(${CMAKE_SOURCE_DIR}/cmake/parsers.cmake)
if(LLMEDIT_FUZZ)
  llmedit_parsers_for_fuzzing()  # compiled once, for the tests and the fuzz targets
endif()

if(LLMEDIT_BUILD_TESTS)
  enable_testing()
  find_package(Catch2 2 REQUIRED)
  include(Catch)
  set(_dir ${CMAKE_SOURCE_DIR}/tests)
  add_executable(llmedit_parser_tests ${_dir}/main.cpp ${_dir}/test_config.cpp ${_dir}/test_data_readers.cpp
    ${_dir}/test_safetensors.cpp ${_dir}/test_tokenizer_chat.cpp ${_dir}/test_tokenizer_errors.cpp
    ${_dir}/test_tokenizer_units.cpp ${_dir}/test_tokenizer_vectors.cpp ${_dir}/test_tokenizer_wordpiece.cpp)
  target_link_libraries(llmedit_parser_tests PRIVATE llmedit_parsers Catch2::Catch2)
  target_compile_options(llmedit_parser_tests PRIVATE ${LLMEDIT_WARNINGS})
  target_compile_definitions(llmedit_parser_tests PRIVATE LLMEDIT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  # LibTorch before Catch, as the main build's precompiled header does: glog (pulled in by
  # LibTorch) defines its own CHECK, and Catch's must win.
  set_source_files_properties(${_dir}/test_safetensors.cpp PROPERTIES
    COMPILE_OPTIONS "-include;${CMAKE_SOURCE_DIR}/libllmedit/core/torch_pch.h")
  # [spm]: the tests that read SentencePiece .model files, which this build cannot (parsers.cmake).
  catch_discover_tests(llmedit_parser_tests TEST_SPEC "~[spm]" TEST_PREFIX "asan: "
    PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()

if(LLMEDIT_FUZZ)
  add_subdirectory(fuzz)
endif()
