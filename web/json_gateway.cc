#include "web/json_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "absl/strings/str_cat.h"
#include "encuentro/v1/audit.grpc.pb.h"
#include "encuentro/v1/photos.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::web {
namespace {

namespace protobuf = google::protobuf;

// Where a request's fields come from besides the path.
enum class Fields { kQuery, kBody };

// One HTTP method and path, and the RPC it calls. The path's first capture group, when there is
// one, fills `path_field` (a resource name such as "remains/7").
struct Route {
  const char* http_method;
  std::regex path;
  const char* rpc;  // full name, "encuentro.v1.RemainsService.GetRemains"
  const char* path_field;
  Fields fields;
};

// The resource names of the gRPC API (AIP-122), as they appear in paths.
constexpr char kRecord[] = "((?:remains|missingPersons)/[0-9]+)";
constexpr char kRemains[] = "(remains/[0-9]+)";
constexpr char kPhoto[] = "((?:remains|missingPersons)/[0-9]+/photos/[0-9]+)";

const std::vector<Route>& Routes() {
  auto route = [](const char* http, const std::string& path, const char* rpc,
                  const char* path_field, Fields fields) {
    return Route{http, std::regex("/api/v1/" + path), rpc, path_field, fields};
  };
  static const auto* const kRoutes = new std::vector<Route>{
      route("GET", "server", "encuentro.v1.ServerService.GetServerInfo", "", Fields::kQuery),
      route("GET", "missingPersons", "encuentro.v1.MissingPersonService.ListMissingPersons", "",
            Fields::kQuery),
      route("GET", "(missingPersons/[0-9]+)", "encuentro.v1.MissingPersonService.GetMissingPerson",
            "name", Fields::kQuery),
      route("GET", "remains", "encuentro.v1.RemainsService.ListRemains", "", Fields::kQuery),
      route("GET", kRemains, "encuentro.v1.RemainsService.GetRemains", "name", Fields::kQuery),
      route("GET", absl::StrCat(kRecord, "/photos"), "encuentro.v1.PhotoService.ListPhotos",
            "parent", Fields::kQuery),
      route("GET", kPhoto, "encuentro.v1.PhotoService.GetPhoto", "name", Fields::kQuery),
      route("GET", absl::StrCat(kRecord, "/candidates"), "encuentro.v1.MatchService.ListCandidates",
            "parent", Fields::kQuery),
      route("GET", "candidates", "encuentro.v1.MatchService.ListCandidates", "", Fields::kQuery),
      route("POST", absl::StrCat(kRemains, "/candidates:search"),
            "encuentro.v1.MatchService.SearchCandidates", "remains", Fields::kBody),
      route("POST", "candidates:recordDecision", "encuentro.v1.MatchService.RecordDecision", "",
            Fields::kBody),
      route("GET", absl::StrCat(kRecord, "/marks"), "encuentro.v1.MarkService.ListMarks", "parent",
            Fields::kQuery),
      route("GET", absl::StrCat(kRecord, "/effects"), "encuentro.v1.EffectService.ListEffects",
            "parent", Fields::kQuery),
      route("GET", absl::StrCat(kRecord, "/dnaSamples"),
            "encuentro.v1.DnaSampleService.ListDnaSamples", "parent", Fields::kQuery),
      route("GET", absl::StrCat("(", kRecord, "/dentalChart)"),
            "encuentro.v1.DentalService.GetDentalChart", "name", Fields::kQuery),
      route("GET", absl::StrCat(kRemains, "/measurementVersions"),
            "encuentro.v1.AnthropologyService.ListMeasurementVersions", "parent", Fields::kQuery),
      route("GET", absl::StrCat(kRemains, ":estimateSex"),
            "encuentro.v1.AnthropologyService.EstimateSex", "remains", Fields::kQuery),
      route("GET", absl::StrCat(kRemains, ":estimateStature"),
            "encuentro.v1.AnthropologyService.EstimateStature", "remains", Fields::kQuery),
      route("GET", "auditEntries", "encuentro.v1.AuditService.ListEntries", "", Fields::kQuery),
      route("GET", "auditCheckpoint", "encuentro.v1.AuditService.GetCheckpoint", "",
            Fields::kQuery),
  };
  return *kRoutes;
}

const std::regex& PhotoContentPath() {
  static const auto* const kPath = new std::regex(absl::StrCat("/api/v1/", kPhoto, ":content"));
  return *kPath;
}

constexpr char kExportPath[] = "/api/v1/auditEntries:export";

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// A query string as a JSON object: "true"/"false" become booleans, everything else a string,
// which protobuf's JSON parser also takes for numbers and enums; a repeated key, a list.
nlohmann::json QueryAsJson(const std::multimap<std::string, std::string>& query) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : query) {
    nlohmann::json v = value;
    if (value == "true") v = true;
    if (value == "false") v = false;
    if (!out.contains(key)) {
      out[key] = v;
    } else {
      if (!out[key].is_array()) out[key] = nlohmann::json::array({out[key]});
      out[key].push_back(v);
    }
  }
  return out;
}

// The request message of `route` from the path, the query or the body.
grpc::Status BuildRequest(const Route& route, const std::smatch& match, const ApiRequest& http,
                          protobuf::Message* request) {
  nlohmann::json fields;
  if (route.fields == Fields::kBody) {
    fields = nlohmann::json::parse(http.body.empty() ? "{}" : http.body, nullptr, false);
    if (fields.is_discarded() || !fields.is_object()) {
      return Invalid("the request body must be a JSON object");
    }
    if (!http.query.empty()) return Invalid("this method takes its fields in the body");
  } else {
    if (!http.body.empty()) return Invalid("this method takes its fields in the query string");
    fields = QueryAsJson(http.query);
  }
  if (*route.path_field != '\0') {
    const std::string json_name =
        request->GetDescriptor()->FindFieldByName(route.path_field)->json_name();
    const std::string value = match[1].str();
    if (fields.contains(json_name) && fields[json_name] != value) {
      return Invalid(absl::StrCat("'", json_name, "' is given by the path (", value, ")"));
    }
    fields[json_name] = value;
  }
  protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const protobuf::util::Status parsed =
      protobuf::util::JsonStringToMessage(fields.dump(), request, options);
  if (!parsed.ok()) return Invalid(std::string(parsed.message()));
  return grpc::Status::OK;
}

std::unique_ptr<grpc::ClientContext> ContextFor(const ApiRequest& http) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", http.authorization);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
  return context;
}

// One unary call by full method name, with serialized messages.
grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel,
                       const protobuf::MethodDescriptor& method, const ApiRequest& http,
                       const protobuf::Message& request, protobuf::Message* response) {
  grpc::GenericStub stub(channel);
  std::unique_ptr<grpc::ClientContext> context = ContextFor(http);
  grpc::ByteBuffer request_bytes;
  {
    const std::string serialized = request.SerializeAsString();
    grpc::Slice slice(serialized);
    request_bytes = grpc::ByteBuffer(&slice, 1);
  }
  grpc::ByteBuffer response_bytes;
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(),
                 absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                 grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  if (!response_bytes.Dump(&slices).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable response");
  }
  std::string serialized;
  for (const grpc::Slice& s : slices) {
    serialized.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!response->ParseFromString(serialized)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable response");
  }
  return grpc::Status::OK;
}

HttpAnswer JsonAnswer(const protobuf::Message& message) {
  protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  HttpAnswer answer;
  if (!protobuf::util::MessageToJsonString(message, &answer.body, options).ok()) {
    return ErrorAnswer(grpc::Status(grpc::StatusCode::INTERNAL, "cannot write the answer"));
  }
  return answer;
}

HttpAnswer PhotoContent(const std::shared_ptr<grpc::Channel>& channel, const std::string& name,
                        const ApiRequest& http) {
  const protobuf::MethodDescriptor* method =
      protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          "encuentro.v1.PhotoService.GetPhoto");
  v1::GetPhotoRequest request;
  request.set_name(name);
  request.set_view(v1::FULL);
  v1::Photo photo;
  if (grpc::Status s = CallUnary(channel, *method, http, request, &photo); !s.ok()) {
    return ErrorAnswer(s);
  }
  return {200, photo.content_type(), photo.content()};
}

HttpAnswer AuditExport(const std::shared_ptr<grpc::Channel>& channel, const ApiRequest& http) {
  auto stub = v1::AuditService::NewStub(channel);
  std::unique_ptr<grpc::ClientContext> context = ContextFor(http);
  std::unique_ptr<grpc::ClientReader<v1::ExportAuditEntriesChunk>> reader =
      stub->ExportEntries(context.get(), v1::ExportAuditEntriesRequest());
  HttpAnswer answer{200, "application/x-ndjson", ""};
  v1::ExportAuditEntriesChunk chunk;
  while (reader->Read(&chunk)) {
    for (const std::string& line : chunk.lines()) absl::StrAppend(&answer.body, line, "\n");
  }
  if (grpc::Status s = reader->Finish(); !s.ok()) return ErrorAnswer(s);
  return answer;
}

}  // namespace

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

HttpAnswer ErrorAnswer(const grpc::Status& status) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int code = static_cast<int>(status.error_code());
  nlohmann::json error = {{"code", HttpStatusOf(status.error_code())},
                          {"status", code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN"},
                          {"message", status.error_message()},
                          {"details", nlohmann::json::array()}};
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad_request;
      if (!any.UnpackTo(&bad_request)) continue;
      nlohmann::json violations = nlohmann::json::array();
      for (const auto& v : bad_request.field_violations()) {
        violations.push_back({{"field", v.field()}, {"description", v.description()}});
      }
      error["details"].push_back({{"@type", "type.googleapis.com/google.rpc.BadRequest"},
                                  {"fieldViolations", violations}});
    }
  }
  return {HttpStatusOf(status.error_code()), "application/json",
          nlohmann::json({{"error", error}})
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

HttpAnswer JsonGateway::Handle(const ApiRequest& http) const {
  std::smatch match;
  if (http.method == "GET" && std::regex_match(http.path, match, PhotoContentPath())) {
    return PhotoContent(channel_, match[1].str(), http);
  }
  if (http.method == "GET" && http.path == kExportPath) return AuditExport(channel_, http);
  bool path_known = false;
  for (const Route& route : Routes()) {
    if (!std::regex_match(http.path, match, route.path)) continue;
    path_known = true;
    if (http.method != route.http_method) continue;
    const protobuf::MethodDescriptor* method =
        protobuf::DescriptorPool::generated_pool()->FindMethodByName(route.rpc);
    const protobuf::Message* prototype =
        protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
    std::unique_ptr<protobuf::Message> request(prototype->New());
    if (grpc::Status s = BuildRequest(route, match, http, request.get()); !s.ok()) {
      return ErrorAnswer(s);
    }
    std::unique_ptr<protobuf::Message> response(
        protobuf::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
    if (grpc::Status s = CallUnary(channel_, *method, http, *request, response.get()); !s.ok()) {
      return ErrorAnswer(s);
    }
    return JsonAnswer(*response);
  }
  if (path_known) {
    HttpAnswer answer = ErrorAnswer(
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "method not allowed on " + http.path));
    answer.status = 405;
    return answer;
  }
  return ErrorAnswer(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such API path: " + http.path));
}

}  // namespace encuentro::web
