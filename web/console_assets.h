// The web console's static files (web/console/), built into encuentrod so that nothing is
// installed beside it and what is served is what was built and tested.
#pragma once

#include <string_view>

namespace encuentro::web {

struct ConsoleAsset {
  std::string_view path;  // relative to web/console, e.g. "app.js"
  std::string_view content_type;
  std::string_view bytes;
};

// nullptr when there is no such file.
const ConsoleAsset* FindConsoleAsset(std::string_view path);

}  // namespace encuentro::web
