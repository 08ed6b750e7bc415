#include "web/json_gateway.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "encuentro/v1/audit.grpc.pb.h"
#include "encuentro/v1/photos.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/gatekeeper.h"

namespace encuentro::web {
namespace {

namespace protobuf = google::protobuf;

// One HTTP method and path, and the RPC it calls. The path's first capture group, when there is
// one, fills `path_field` (a resource name such as "remains/7"); a GET takes the request's other
// fields from the query string, a POST from its JSON body.
struct Route {
  const char* http_method;
  std::regex path;
  const char* rpc;  // full name, "encuentro.v1.RemainsService.GetRemains"
  const char* path_field;
};

// The resource names of the gRPC API (AIP-122), as they appear in paths.
constexpr char kRecord[] = "((?:remains|missingPersons)/[0-9]+)";
constexpr char kRemains[] = "(remains/[0-9]+)";
constexpr char kPhoto[] = "((?:remains|missingPersons)/[0-9]+/photos/[0-9]+)";

const std::vector<Route>& Routes() {
  auto route = [](const char* http, const std::string& path, const char* rpc,
                  const char* path_field = "") {
    return Route{http, std::regex("/api/v1/" + path), rpc, path_field};
  };
  static const auto* const kRoutes = new std::vector<Route>{
      route("GET", "server", "encuentro.v1.ServerService.GetServerInfo"),
      route("GET", "missingPersons", "encuentro.v1.MissingPersonService.ListMissingPersons"),
      route("GET", "(missingPersons/[0-9]+)", "encuentro.v1.MissingPersonService.GetMissingPerson",
            "name"),
      route("GET", "remains", "encuentro.v1.RemainsService.ListRemains"),
      route("GET", kRemains, "encuentro.v1.RemainsService.GetRemains", "name"),
      route("GET", absl::StrCat(kRecord, "/photos"), "encuentro.v1.PhotoService.ListPhotos",
            "parent"),
      route("GET", kPhoto, "encuentro.v1.PhotoService.GetPhoto", "name"),
      route("GET", absl::StrCat(kRecord, "/candidates"), "encuentro.v1.MatchService.ListCandidates",
            "parent"),
      route("GET", "candidates", "encuentro.v1.MatchService.ListCandidates"),
      route("POST", absl::StrCat(kRemains, "/candidates:search"),
            "encuentro.v1.MatchService.SearchCandidates", "remains"),
      route("POST", "candidates:recordDecision", "encuentro.v1.MatchService.RecordDecision"),
      route("GET", absl::StrCat(kRecord, "/marks"), "encuentro.v1.MarkService.ListMarks", "parent"),
      route("GET", absl::StrCat(kRecord, "/effects"), "encuentro.v1.EffectService.ListEffects",
            "parent"),
      route("GET", absl::StrCat(kRecord, "/dnaSamples"),
            "encuentro.v1.DnaSampleService.ListDnaSamples", "parent"),
      route("GET", absl::StrCat("(", kRecord, "/dentalChart)"),
            "encuentro.v1.DentalService.GetDentalChart", "name"),
      route("GET", absl::StrCat(kRemains, "/measurementVersions"),
            "encuentro.v1.AnthropologyService.ListMeasurementVersions", "parent"),
      // POST: with save_to_profile an estimate changes the record.
      route("POST", absl::StrCat(kRemains, ":estimateSex"),
            "encuentro.v1.AnthropologyService.EstimateSex", "remains"),
      route("POST", absl::StrCat(kRemains, ":estimateStature"),
            "encuentro.v1.AnthropologyService.EstimateStature", "remains"),
      route("GET", "auditEntries", "encuentro.v1.AuditService.ListEntries"),
      route("GET", "auditCheckpoint", "encuentro.v1.AuditService.GetCheckpoint"),
  };
  return *kRoutes;
}

const std::regex& PhotoContentPath() {
  static const auto* const kPath = new std::regex(absl::StrCat("/api/v1/", kPhoto, ":content"));
  return *kPath;
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// A query string as the JSON object of `type`'s fields: a bool field's "true"/"false" as a
// boolean, a repeated field's values (its key given once or more) as a list, everything else as
// a string, which protobuf's JSON parser also takes for numbers and enums. An unknown key is
// kept, for the parser to refuse by name.
grpc::Status QueryAsJson(const std::multimap<std::string, std::string>& query,
                         const protobuf::Descriptor& type, nlohmann::json* out) {
  *out = nlohmann::json::object();
  for (const auto& [key, value] : query) {
    const protobuf::FieldDescriptor* field = type.FindFieldByName(key);
    for (int i = 0; field == nullptr && i < type.field_count(); ++i) {
      if (type.field(i)->json_name() == key) field = type.field(i);
    }
    nlohmann::json v = value;
    if (field != nullptr && field->type() == protobuf::FieldDescriptor::TYPE_BOOL &&
        (value == "true" || value == "false")) {
      v = value == "true";
    }
    if (field != nullptr && field->is_repeated()) {
      if (!out->contains(key)) (*out)[key] = nlohmann::json::array();
      (*out)[key].push_back(v);
    } else if (out->contains(key)) {
      return Invalid("'" + key + "' is given more than once");
    } else {
      (*out)[key] = v;
    }
  }
  return grpc::Status::OK;
}

// The request message of `route` from the path, the query or the body.
grpc::Status BuildRequest(const Route& route, const std::smatch& match, const ApiRequest& http,
                          protobuf::Message* request) {
  nlohmann::json fields;
  if (std::string_view(route.http_method) == "POST") {
    fields = nlohmann::json::parse(http.body.empty() ? "{}" : http.body, nullptr, false);
    if (fields.is_discarded() || !fields.is_object()) {
      return Invalid("the request body must be a JSON object");
    }
    if (!http.query.empty()) return Invalid("this method takes its fields in the body");
  } else {
    if (!http.body.empty()) return Invalid("this method takes its fields in the query string");
    if (grpc::Status s = QueryAsJson(http.query, *request->GetDescriptor(), &fields); !s.ok()) {
      return s;
    }
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

// The browser's session, and the key that says the call comes from the console.
void AddCredentials(const ApiRequest& http, grpc::ClientContext* context) {
  context->AddMetadata("authorization", http.authorization);
  context->AddMetadata(services::kConsoleKeyHeader, http.console_key);
}

// One unary call by full method name, with serialized messages.
grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel,
                       const protobuf::MethodDescriptor& method, const ApiRequest& http,
                       const protobuf::Message& request, protobuf::Message* response) {
  using Proto = grpc::SerializationTraits<protobuf::Message>;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  AddCredentials(http, &context);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
  grpc::ByteBuffer request_bytes;
  bool own_buffer = false;
  if (grpc::Status s = Proto::Serialize(request, &request_bytes, &own_buffer); !s.ok()) return s;
  grpc::ByteBuffer response_bytes;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                 grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return status;
  return Proto::Deserialize(&response_bytes, response);
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

class GrpcAuditExportStream : public AuditExportStream {
 public:
  GrpcAuditExportStream(const std::shared_ptr<grpc::Channel>& channel, const ApiRequest& http)
      : stub_(v1::AuditService::NewStub(channel)) {
    AddCredentials(http, &context_);
    // No deadline: a long log takes as long as the browser takes to read it, and the browser
    // going away cancels the call.
    reader_ = stub_->ExportEntries(&context_, v1::ExportAuditEntriesRequest());
  }
  ~GrpcAuditExportStream() override {
    if (!finished_) {
      context_.TryCancel();
      reader_->Finish().ok();
    }
  }

  // Reads the first chunk ahead; false when there is none (an error, or an empty log).
  bool Prime() {
    primed_ = Read(&first_);
    return primed_;
  }

  bool Next(std::string* lines) override {
    if (primed_) {
      primed_ = false;
      *lines = std::move(first_);
      return true;
    }
    return Read(lines);
  }
  grpc::Status Finish() override {
    if (!finished_) {
      finished_ = true;
      status_ = reader_->Finish();
    }
    return status_;
  }

 private:
  bool Read(std::string* lines) {
    lines->clear();
    v1::ExportAuditEntriesChunk chunk;
    if (finished_ || !reader_->Read(&chunk)) return false;
    for (const std::string& line : chunk.lines()) absl::StrAppend(lines, line, "\n");
    return true;
  }

  std::unique_ptr<v1::AuditService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::ExportAuditEntriesChunk>> reader_;
  std::string first_;
  bool primed_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

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
  const int code = static_cast<int>(status.error_code());
  nlohmann::json error = {{"code", HttpStatusOf(status.error_code())},
                          {"status", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))},
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

std::unique_ptr<AuditExportStream> JsonGateway::OpenAuditExport(const ApiRequest& asked,
                                                                HttpAnswer* refused) const {
  ApiRequest http = asked;
  http.console_key = console_key_;
  auto stream = std::make_unique<GrpcAuditExportStream>(channel_, http);
  if (!stream->Prime()) {
    if (grpc::Status s = stream->Finish(); !s.ok()) {
      *refused = ErrorAnswer(s);
      return nullptr;
    }
  }
  return stream;
}

HttpAnswer JsonGateway::Handle(const ApiRequest& asked) const {
  ApiRequest http = asked;
  http.console_key = console_key_;
  std::smatch match;
  if (http.method == "GET" && std::regex_match(http.path, match, PhotoContentPath())) {
    return PhotoContent(channel_, match[1].str(), http);
  }
  std::string allowed;  // the methods the path takes, when it names a resource
  for (const Route& route : Routes()) {
    if (!std::regex_match(http.path, match, route.path)) continue;
    if (http.method != route.http_method) {
      absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", route.http_method);
      continue;
    }
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
  if (!allowed.empty()) {
    HttpAnswer answer = ErrorAnswer(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat(http.method, " is not allowed on ", http.path, "; use ", allowed)));
    answer.status = 405;
    answer.allow = allowed;
    return answer;
  }
  return ErrorAnswer(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such API path: " + http.path));
}

}  // namespace encuentro::web
