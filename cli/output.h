// How the CLI prints and reads protobuf messages: proto3 JSON for scripts (field names as in
// the .proto files), protobuf text format for people.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "google/type/date.pb.h"

namespace encuentro::cli {

// One JSON object on one line, or a multi-line text rendering.
void PrintMessage(const google::protobuf::Message& message, bool json);

// Reads "YYYY-MM-DD", or a partial "YYYY-MM" or "YYYY" (month and day 0), with nothing after it,
// into `date`; false when `text` is none of these. The server judges whether the date exists and
// whether the field may be partial.
bool ParseIsoDate(const std::string& text, google::type::Date* date);

// Reads `path` ("-" for standard input) as proto3 JSON into `message`.
absl::Status ReadJsonMessage(const std::string& path, google::protobuf::Message* message);
// Parses `json` (read from `source`, named in errors) as proto3 JSON into `message`; unknown
// fields are refused, so that a misspelt field is never silently dropped.
absl::Status ParseJsonMessage(const std::string& json, const std::string& source,
                              google::protobuf::Message* message);

}  // namespace encuentro::cli
