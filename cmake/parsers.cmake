# llmedit_parsers: the readers of untrusted input files (safetensors, config.json, tokenizer.json
# and tokenizer_config.json, run configs, the CSV and JSON datasets), so the sanitizer tests and
# the fuzz targets build them without the other ~300 sources. Split in four libraries so a fuzz
# target waits only for the parser it drives (only the safetensors one needs LibTorch).
if(TARGET llmedit_parsers)
  return()
endif()
file(GLOB _tokenizer_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/libllmedit/tokenizer/*.cpp)
set(_src ${CMAKE_SOURCE_DIR}/libllmedit)
set(_parts data model tokenizer io)
set(_sources_data ${_src}/core/atomic_file.cpp ${_src}/core/config.cpp ${_src}/core/remove_tree.cpp ${_src}/data/atoke.cpp
  ${_src}/data/counterfact.cpp ${_src}/data/mc_csv.cpp ${_src}/data/qa_dataset.cpp ${_src}/data/text_corpus.cpp)
set(_sources_model ${_src}/model/arch_spec.cpp)
set(_sources_tokenizer ${_tokenizer_sources})
set(_sources_io ${_src}/io/checkpoint.cpp ${_src}/io/safetensors.cpp)
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
endif()
foreach(part ${_parts})
  add_library(llmedit_parsers_${part} STATIC ${_sources_${part}})
  target_include_directories(llmedit_parsers_${part} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(llmedit_parsers_${part} PUBLIC nlohmann_json::nlohmann_json)
  target_compile_options(llmedit_parsers_${part} PRIVATE ${LLMEDIT_WARNINGS} PUBLIC ${_torch_flags})
endforeach()
target_link_libraries(llmedit_parsers_tokenizer PUBLIC llmedit_parsers_data ${CMAKE_DL_LIBS})
target_include_directories(llmedit_parsers_io SYSTEM PUBLIC ${TORCH_INCLUDE_DIRS})
target_link_libraries(llmedit_parsers_io PUBLIC llmedit_parsers_data ${TORCH_LIBRARIES})
add_library(llmedit_parsers INTERFACE)
foreach(part ${_parts})
  target_link_libraries(llmedit_parsers INTERFACE llmedit_parsers_${part})
endforeach()
# The SentencePiece module (see the top-level CMakeLists.txt for why it is dlopen'ed) comes from a
# full build. The parsers-only build has none: AddressSanitizer refuses the RTLD_DEEPBIND it is
# loaded with (google/sanitizers#611), and without DEEPBIND its protobuf crashes in LibTorch's
# (tried). There, SentencePiece .model files are refused with a data error.
if(TARGET llmedit_sentencepiece)
  set(_module_path "$<TARGET_FILE:llmedit_sentencepiece>")
  add_dependencies(llmedit_parsers_tokenizer llmedit_sentencepiece)
else()
  set(_module_path "")
endif()
# Source properties belong to the directory that defines the target (fuzz/ in a full build).
set_source_files_properties(${CMAKE_SOURCE_DIR}/libllmedit/tokenizer/sentencepiece_processor.cpp PROPERTIES
  COMPILE_DEFINITIONS LLMEDIT_SENTENCEPIECE_MODULE_PATH="${_module_path}")
# Coverage hooks for libFuzzer (fuzzer-no-link only inserts them; the sanitizer runtime answers
# them in programs that are not fuzz targets), so tests and fuzz targets share these objects.
function(llmedit_parsers_for_fuzzing)
  foreach(part data model tokenizer io)
    target_compile_options(llmedit_parsers_${part} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
endfunction()
