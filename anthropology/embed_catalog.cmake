# Writes OUTPUT, a C++ source that returns the JSON in INPUT as a raw string literal.
file(READ ${INPUT} CONTENT)
string(FIND "${CONTENT}" ")catalog_json\"" CLASH)
if(NOT CLASH EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )catalog_json\"")
endif()
file(WRITE ${OUTPUT}.tmp
"// Generated from anthropology/data/catalog.json by embed_catalog.cmake. Do not edit.
#include \"anthropology/catalog_data.h\"

namespace encuentro::anthropology {

std::string_view EmbeddedCatalogJson() {
  static constexpr char kJson[] = R\"catalog_json(${CONTENT})catalog_json\";
  return std::string_view(kJson, sizeof(kJson) - 1);
}

}  // namespace encuentro::anthropology
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
