#include "cli/output.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace encuentro::cli {

void PrintMessage(const google::protobuf::Message& message, bool json) {
  std::string out;
  if (json) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    std::printf("%s\n", out.c_str());
  } else {
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseUtf8StringEscaping(true);
    printer.PrintToString(message, &out);
    std::printf("%s", out.c_str());
  }
}

absl::Status ReadJsonMessage(const std::string& path, google::protobuf::Message* message) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError("cannot read " + path);
    buffer << in.rdbuf();
  }
  return ParseJsonMessage(buffer.str(), path, message);
}

absl::Status ParseJsonMessage(const std::string& json, const std::string& source,
                              google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(source + ": not a " + message->GetTypeName() +
                                      " in JSON: " + std::string(status.message()));
  }
  return absl::OkStatus();
}

bool ParseIsoDate(const std::string& text, google::type::Date* date) {
  int y = 0, m = 0, d = 0;
  char extra = 0;
  // "YYYY-MM-DD", or a partial "YYYY-MM" or "YYYY" (month and day 0, as google.type.Date has it).
  const int read = std::sscanf(text.c_str(), "%d-%d-%d%c", &y, &m, &d, &extra);
  if (read < 1 || read > 3) return false;
  const size_t dashes = static_cast<size_t>(std::count(text.begin(), text.end(), '-'));
  if (dashes + 1 != static_cast<size_t>(read)) return false;
  date->set_year(y);
  date->set_month(read >= 2 ? m : 0);
  date->set_day(read == 3 ? d : 0);
  return true;
}

}  // namespace encuentro::cli
