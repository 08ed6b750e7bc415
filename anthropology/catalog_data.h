// The measurement catalog JSON (anthropology/data/catalog.json), embedded at build time.
#pragma once

#include <string_view>

namespace encuentro::anthropology {

// The text of anthropology/data/catalog.json as it was when the library was built.
std::string_view EmbeddedCatalogJson();

}  // namespace encuentro::anthropology
