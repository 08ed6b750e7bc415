#include "cli/output.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

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
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(buffer.str(), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(path + ": not a " + message->GetTypeName() +
                                      " in JSON: " + std::string(status.message()));
  }
  return absl::OkStatus();
}

bool ParseIsoDate(const std::string& text, google::type::Date* date) {
  int y = 0, m = 0, d = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d%c", &y, &m, &d, &extra) != 3) return false;
  date->set_year(y);
  date->set_month(m);
  date->set_day(d);
  return true;
}

}  // namespace encuentro::cli
