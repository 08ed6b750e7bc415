#include "cli/record_commands.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/output.h"
#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"

namespace encuentro::cli {
namespace {

// Flags shared by the commands of one resource kind; owned by the CLI::App callbacks.
struct RecordFlags {
  std::string file = "-";
  std::string name;
  std::string request_id;
  std::string etag;
  std::string reason;
  std::vector<std::string> mask;
  int page_size = 0;
  std::string page_token;
  bool all_pages = false;
  bool show_deleted = false;
  std::string organization;
  std::string sex;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "encuentro: %s\n", std::string(status.message()).c_str());
  return 2;
}

bool ParseSex(const std::string& text, v1::Sex* sex) {
  if (text.empty()) return true;
  if (text == "female")
    *sex = v1::FEMALE;
  else if (text == "male")
    *sex = v1::MALE;
  else
    return false;
  return true;
}

// One line per record for people; the whole record as JSON for scripts.
void PrintSummary(const v1::MissingPerson& p, bool json) {
  if (json) return PrintMessage(p, true);
  std::printf("%-22s %-20s %-32s %-10s %s%s\n", p.name().c_str(), p.case_folio().c_str(),
              (p.given_names() + " " + p.family_names()).c_str(),
              v1::MissingPerson::Status_Name(p.status()).c_str(),
              p.last_seen_place().description().c_str(), p.has_delete_time() ? "  [deleted]" : "");
}

void PrintSummary(const v1::UnidentifiedRemains& r, bool json) {
  if (json) return PrintMessage(r, true);
  std::printf("%-22s %-22s %-24s %-14s %s%s\n", r.name().c_str(), r.case_folio().c_str(),
              r.lab().c_str(), v1::UnidentifiedRemains::Condition_Name(r.condition()).c_str(),
              r.found_place().description().c_str(), r.has_delete_time() ? "  [deleted]" : "");
}

// The RPCs and message types of one resource kind.
struct MissingPersonApi {
  using Stub = v1::MissingPersonService::Stub;
  using Resource = v1::MissingPerson;
  static constexpr char kService[] = "MissingPersonService";
  static std::unique_ptr<Stub> NewStub(const ClientOptions& o) {
    return v1::MissingPersonService::NewStub(OpenChannel(o));
  }
  static grpc::Status Create(Stub& s, grpc::ClientContext* c, const Resource& r,
                             const std::string& request_id, Resource* out) {
    v1::CreateMissingPersonRequest request;
    *request.mutable_missing_person() = r;
    request.set_request_id(request_id);
    return s.CreateMissingPerson(c, request, out);
  }
  static grpc::Status Get(Stub& s, grpc::ClientContext* c, const std::string& name, Resource* out) {
    v1::GetMissingPersonRequest request;
    request.set_name(name);
    return s.GetMissingPerson(c, request, out);
  }
  static grpc::Status Update(Stub& s, grpc::ClientContext* c, const Resource& r,
                             const std::vector<std::string>& mask, Resource* out) {
    v1::UpdateMissingPersonRequest request;
    *request.mutable_missing_person() = r;
    for (const auto& path : mask) request.mutable_update_mask()->add_paths(path);
    return s.UpdateMissingPerson(c, request, out);
  }
  static grpc::Status Delete(Stub& s, grpc::ClientContext* c, const RecordFlags& f, Resource* out) {
    v1::DeleteMissingPersonRequest request;
    request.set_name(f.name);
    request.set_reason(f.reason);
    request.set_etag(f.etag);
    return s.DeleteMissingPerson(c, request, out);
  }
  using ListRequest = v1::ListMissingPersonsRequest;
  using ListResponse = v1::ListMissingPersonsResponse;
  static grpc::Status List(Stub& s, grpc::ClientContext* c, const ListRequest& r,
                           ListResponse* out) {
    return s.ListMissingPersons(c, r, out);
  }
  static const auto& Items(const ListResponse& r) { return r.missing_persons(); }
};

struct RemainsApi {
  using Stub = v1::RemainsService::Stub;
  using Resource = v1::UnidentifiedRemains;
  static constexpr char kService[] = "RemainsService";
  static std::unique_ptr<Stub> NewStub(const ClientOptions& o) {
    return v1::RemainsService::NewStub(OpenChannel(o));
  }
  static grpc::Status Create(Stub& s, grpc::ClientContext* c, const Resource& r,
                             const std::string& request_id, Resource* out) {
    v1::CreateRemainsRequest request;
    *request.mutable_remains() = r;
    request.set_request_id(request_id);
    return s.CreateRemains(c, request, out);
  }
  static grpc::Status Get(Stub& s, grpc::ClientContext* c, const std::string& name, Resource* out) {
    v1::GetRemainsRequest request;
    request.set_name(name);
    return s.GetRemains(c, request, out);
  }
  static grpc::Status Update(Stub& s, grpc::ClientContext* c, const Resource& r,
                             const std::vector<std::string>& mask, Resource* out) {
    v1::UpdateRemainsRequest request;
    *request.mutable_remains() = r;
    for (const auto& path : mask) request.mutable_update_mask()->add_paths(path);
    return s.UpdateRemains(c, request, out);
  }
  static grpc::Status Delete(Stub& s, grpc::ClientContext* c, const RecordFlags& f, Resource* out) {
    v1::DeleteRemainsRequest request;
    request.set_name(f.name);
    request.set_reason(f.reason);
    request.set_etag(f.etag);
    return s.DeleteRemains(c, request, out);
  }
  using ListRequest = v1::ListRemainsRequest;
  using ListResponse = v1::ListRemainsResponse;
  static grpc::Status List(Stub& s, grpc::ClientContext* c, const ListRequest& r,
                           ListResponse* out) {
    return s.ListRemains(c, r, out);
  }
  static const auto& Items(const ListResponse& r) { return r.remains(); }
};

template <typename Api>
void AddCommands(CLI::App& parent, const char* name, const char* description,
                 const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<RecordFlags>();
  CLI::App* group = parent.add_subcommand(name, description);
  group->require_subcommand(1);
  const std::string method_prefix = std::string(Api::kService) + ".";

  CLI::App* create = group->add_subcommand("create", "Create a record from proto3 JSON");
  create->add_option("--file", flags->file, "JSON file; - reads standard input")
      ->capture_default_str();
  create->add_option("--request-id", flags->request_id,
                     "Idempotency key: a retry with the same id returns the same record");
  create->callback([=, &options] {
    typename Api::Resource record, out;
    if (absl::Status s = ReadJsonMessage(flags->file, &record); !s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    auto stub = Api::NewStub(options);
    grpc::Status status =
        Api::Create(*stub, NewContext(options).get(), record, flags->request_id, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError(method_prefix + "Create", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* get = group->add_subcommand("get", "Show one record");
  get->add_option("name", flags->name, "Resource name")->required();
  get->callback([=, &options] {
    typename Api::Resource out;
    auto stub = Api::NewStub(options);
    grpc::Status status = Api::Get(*stub, NewContext(options).get(), flags->name, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError(method_prefix + "Get", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* list = group->add_subcommand("list", "List records, one per line");
  list->add_option("--page-size", flags->page_size, "Records per page (server default 50)");
  list->add_option("--page-token", flags->page_token, "Continue from a previous page");
  list->add_flag("--all", flags->all_pages, "Follow page tokens to the end");
  list->add_flag("--show-deleted", flags->show_deleted, "Include soft-deleted records");
  list->add_option("--organization", flags->organization, "Only this organization's records");
  list->add_option("--sex", flags->sex, "female or male");
  list->callback([=, &options] {
    typename Api::ListRequest request;
    request.set_page_size(flags->page_size);
    request.set_page_token(flags->page_token);
    request.set_show_deleted(flags->show_deleted);
    request.set_organization(flags->organization);
    v1::Sex sex = v1::SEX_UNSPECIFIED;
    if (!ParseSex(flags->sex, &sex)) {
      *exit_code = Fail(absl::InvalidArgumentError("--sex must be female or male"));
      return;
    }
    request.set_sex(sex);
    auto stub = Api::NewStub(options);
    for (;;) {
      typename Api::ListResponse response;
      grpc::Status status = Api::List(*stub, NewContext(options).get(), request, &response);
      if (!status.ok()) {
        *exit_code = ReportRpcError(method_prefix + "List", status);
        return;
      }
      for (const auto& item : Api::Items(response)) PrintSummary(item, options.json);
      if (response.next_page_token().empty()) break;
      if (!flags->all_pages) {
        if (!options.json)
          std::printf("next page: --page-token %s\n", response.next_page_token().c_str());
        break;
      }
      request.set_page_token(response.next_page_token());
    }
  });

  CLI::App* update = group->add_subcommand(
      "update", "Change the fields named by --mask to their values in the JSON record");
  update->add_option("name", flags->name, "Resource name")->required();
  update->add_option("--file", flags->file, "JSON with the new values; - reads standard input")
      ->capture_default_str();
  update->add_option("--mask", flags->mask, "Fields to change, e.g. status,reported_height")
      ->delimiter(',')
      ->required();
  update->add_option("--etag", flags->etag, "Refuse if the record changed since this etag");
  update->callback([=, &options] {
    typename Api::Resource record, out;
    if (absl::Status s = ReadJsonMessage(flags->file, &record); !s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    record.set_name(flags->name);
    record.set_etag(flags->etag);
    auto stub = Api::NewStub(options);
    grpc::Status status = Api::Update(*stub, NewContext(options).get(), record, flags->mask, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError(method_prefix + "Update", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* remove = group->add_subcommand("delete", "Soft-delete a record, with a reason");
  remove->add_option("name", flags->name, "Resource name")->required();
  remove->add_option("--reason", flags->reason, "Why the record is withdrawn")->required();
  remove->add_option("--etag", flags->etag, "Refuse if the record changed since this etag");
  remove->callback([=, &options] {
    typename Api::Resource out;
    auto stub = Api::NewStub(options);
    grpc::Status status = Api::Delete(*stub, NewContext(options).get(), *flags, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError(method_prefix + "Delete", status);
      return;
    }
    PrintMessage(out, options.json);
  });
}

}  // namespace

void AddRecordCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  AddCommands<MissingPersonApi>(app, "missing", "Missing persons (ante-mortem records)", options,
                                exit_code);
  AddCommands<RemainsApi>(app, "remains", "Unidentified remains (post-mortem records)", options,
                          exit_code);
}

}  // namespace encuentro::cli
