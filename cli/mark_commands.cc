#include "cli/mark_commands.h"

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/output.h"
#include "encuentro/v1/marks.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct MarkFlags {
  std::string parent;
  std::string name;
  std::string file;
  std::string kind;
  std::string region;
  std::string side;
  std::string detail;
  std::string description;
  std::vector<std::string> keywords;
  std::string implant_manufacturer;
  std::string implant_serial;
  std::string request_id;
  std::string etag;
  std::string reason;
  std::vector<std::string> mask;
  std::string record_kind = "remains";
  std::string query;
  std::vector<std::string> kinds;
  int page_size = 0;
  std::string page_token;
  bool all_pages = false;
  bool show_deleted = false;
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

void AddValueFlags(CLI::App* command, MarkFlags* f) {
  command->add_option("--file", f->file, "proto3 JSON of the mark; flags below override it");
  command->add_option("--kind", f->kind,
                      "tattoo, scar, birthmark, piercing, amputation, deformity, "
                      "medical_implant or other");
  command->add_option("--region", f->region,
                      "head, neck, chest, abdomen, back, arm, forearm, hand, thigh, leg or foot");
  command->add_option("--side", f->side, "left, right or midline (the person's own)");
  command->add_option("--detail", f->detail, "Where, in words (\"inner side, near the wrist\")");
  command->add_option("--description", f->description, "What it looks like");
  command->add_option("--keyword", f->keywords,
                      "What it shows or says, one idea each; repeat the flag");
  command->add_option("--implant-manufacturer", f->implant_manufacturer, "Medical implants only");
  command->add_option("--implant-serial", f->implant_serial, "Medical implants only");
}

// The mark described by --file and the value flags; an error message, or "".
std::string MarkFromFlags(const MarkFlags& f, v1::DistinguishingMark* mark) {
  if (!f.file.empty()) {
    if (absl::Status s = ReadJsonMessage(f.file, mark); !s.ok()) return std::string(s.message());
  }
  if (!f.kind.empty()) {
    v1::DistinguishingMark::Kind kind;
    if (!ParseMarkKind(f.kind, &kind)) return "--kind: unknown kind '" + f.kind + "'";
    mark->set_kind(kind);
  }
  if (!f.region.empty()) {
    v1::DistinguishingMark::BodyRegion region;
    if (!ParseBodyRegion(f.region, &region)) return "--region: unknown region '" + f.region + "'";
    mark->set_body_region(region);
  }
  if (!f.side.empty()) {
    v1::DistinguishingMark::Side side;
    if (!ParseBodySide(f.side, &side)) return "--side: must be left, right or midline";
    mark->set_body_side(side);
  }
  if (!f.detail.empty()) mark->set_location_detail(f.detail);
  if (!f.description.empty()) mark->set_description(f.description);
  if (!f.keywords.empty()) {
    mark->clear_keywords();
    for (const std::string& k : f.keywords) mark->add_keywords(k);
  }
  if (!f.implant_manufacturer.empty())
    mark->mutable_implant()->set_manufacturer(f.implant_manufacturer);
  if (!f.implant_serial.empty()) mark->mutable_implant()->set_serial_number(f.implant_serial);
  return "";
}

void PrintSummary(const v1::DistinguishingMark& m, bool json) {
  if (json) return PrintMessage(m, true);
  std::string keywords;
  for (const std::string& k : m.keywords()) keywords += (keywords.empty() ? "" : ", ") + k;
  std::printf("%-30s %-16s %-10s %-8s %s%s%s%s\n", m.name().c_str(),
              v1::DistinguishingMark::Kind_Name(m.kind()).c_str(),
              v1::DistinguishingMark::BodyRegion_Name(m.body_region()).c_str(),
              v1::DistinguishingMark::Side_Name(m.body_side()).c_str(), m.description().c_str(),
              keywords.empty() ? "" : " [", keywords.c_str(), keywords.empty() ? "" : "]");
}

// Runs a paged listing, printing each page; `call` fetches one page.
template <typename Request, typename Response, typename Call>
int ListPages(Request request, const MarkFlags& f, const ClientOptions& options,
              const std::string& method, Call call) {
  request.set_page_size(f.page_size);
  request.set_page_token(f.page_token);
  for (;;) {
    Response response;
    grpc::Status status = call(NewContext(options).get(), request, &response);
    if (!status.ok()) return ReportRpcError(method, status);
    for (const auto& mark : response.marks()) PrintSummary(mark, options.json);
    if (response.next_page_token().empty()) return 0;
    if (!f.all_pages) {
      if (!options.json)
        std::printf("next page: --page-token %s\n", response.next_page_token().c_str());
      return 0;
    }
    request.set_page_token(response.next_page_token());
  }
}

}  // namespace

bool ParseMarkKind(const std::string& text, v1::DistinguishingMark::Kind* kind) {
  return v1::DistinguishingMark::Kind_Parse(Upper(text), kind) &&
         *kind != v1::DistinguishingMark::KIND_UNSPECIFIED;
}

bool ParseBodyRegion(const std::string& text, v1::DistinguishingMark::BodyRegion* region) {
  return v1::DistinguishingMark::BodyRegion_Parse(Upper(text), region);
}

bool ParseBodySide(const std::string& text, v1::DistinguishingMark::Side* side) {
  return v1::DistinguishingMark::Side_Parse(Upper(text), side);
}

void AddMarkCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto f = std::make_shared<MarkFlags>();
  CLI::App* group = app.add_subcommand(
      "marks", "Distinguishing marks (tattoos, scars, implants...) of missing persons and remains");
  group->require_subcommand(1);
  const auto stub = [&options] { return v1::MarkService::NewStub(OpenChannel(options)); };

  CLI::App* create =
      group->add_subcommand("create", "Record a mark on a missing person or remains");
  create->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  AddValueFlags(create, f.get());
  create->add_option("--request-id", f->request_id,
                     "Idempotency key: a retry with the same id returns the same mark");
  create->callback([=, &options] {
    v1::CreateMarkRequest request;
    if (std::string error = MarkFromFlags(*f, request.mutable_mark()); !error.empty()) {
      *exit_code = Fail(error);
      return;
    }
    request.set_parent(f->parent);
    request.set_request_id(f->request_id);
    v1::DistinguishingMark out;
    grpc::Status status = stub()->CreateMark(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MarkService.CreateMark", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* get = group->add_subcommand("get", "Show one mark");
  get->add_option("name", f->name, "e.g. remains/7/marks/2")->required();
  get->callback([=, &options] {
    v1::GetMarkRequest request;
    request.set_name(f->name);
    v1::DistinguishingMark out;
    grpc::Status status = stub()->GetMark(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MarkService.GetMark", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* list = group->add_subcommand("list", "List a record's marks, one per line");
  list->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  list->add_option("--page-size", f->page_size, "Marks per page (server default 50)");
  list->add_option("--page-token", f->page_token, "Continue from a previous page");
  list->add_flag("--all", f->all_pages, "Follow page tokens to the end");
  list->add_flag("--show-deleted", f->show_deleted, "Include soft-deleted marks");
  list->callback([=, &options] {
    v1::ListMarksRequest request;
    request.set_parent(f->parent);
    request.set_show_deleted(f->show_deleted);
    auto s = stub();
    *exit_code = ListPages<v1::ListMarksRequest, v1::ListMarksResponse>(
        request, *f, options, "MarkService.ListMarks",
        [&](grpc::ClientContext* c, const v1::ListMarksRequest& r, v1::ListMarksResponse* out) {
          return s->ListMarks(c, r, out);
        });
  });

  CLI::App* update = group->add_subcommand("update", "Change the fields named by --mask");
  update->add_option("name", f->name, "e.g. remains/7/marks/2")->required();
  AddValueFlags(update, f.get());
  update
      ->add_option("--mask", f->mask,
                   "Fields to change: kind, body_region, body_side, location_detail, "
                   "description, keywords, implant")
      ->delimiter(',')
      ->required();
  update->add_option("--etag", f->etag, "Refuse if the mark changed since this etag");
  update->callback([=, &options] {
    v1::UpdateMarkRequest request;
    if (std::string error = MarkFromFlags(*f, request.mutable_mark()); !error.empty()) {
      *exit_code = Fail(error);
      return;
    }
    request.mutable_mark()->set_name(f->name);
    request.mutable_mark()->set_etag(f->etag);
    for (const auto& path : f->mask) request.mutable_update_mask()->add_paths(path);
    v1::DistinguishingMark out;
    grpc::Status status = stub()->UpdateMark(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MarkService.UpdateMark", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* remove = group->add_subcommand("delete", "Soft-delete a mark, with a reason");
  remove->add_option("name", f->name, "e.g. remains/7/marks/2")->required();
  remove->add_option("--reason", f->reason, "Why the mark is withdrawn")->required();
  remove->add_option("--etag", f->etag, "Refuse if the mark changed since this etag");
  remove->callback([=, &options] {
    v1::DeleteMarkRequest request;
    request.set_name(f->name);
    request.set_reason(f->reason);
    request.set_etag(f->etag);
    v1::DistinguishingMark out;
    grpc::Status status = stub()->DeleteMark(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MarkService.DeleteMark", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* search = group->add_subcommand(
      "search", "Find marks by words, kind, region and side (\"tattoo, left forearm, rose\")");
  search->add_option("query", f->query,
                     "Words that must all appear (Spanish stemming, accents ignored)");
  search->add_option("--in", f->record_kind, "remains or missing")->capture_default_str();
  search->add_option("--kind", f->kinds, "Any of these kinds; repeat the flag");
  search->add_option("--region", f->region, "Body region");
  search->add_option("--side", f->side, "left, right or midline");
  search->add_option("--page-size", f->page_size, "Marks per page (server default 50)");
  search->add_option("--page-token", f->page_token, "Continue from a previous page");
  search->add_flag("--all", f->all_pages, "Follow page tokens to the end");
  search->callback([=, &options] {
    v1::SearchMarksRequest request;
    if (f->record_kind == "remains") {
      request.set_record_kind(v1::SearchMarksRequest::REMAINS);
    } else if (f->record_kind == "missing") {
      request.set_record_kind(v1::SearchMarksRequest::MISSING_PERSONS);
    } else {
      *exit_code = Fail("--in must be remains or missing");
      return;
    }
    request.set_query(f->query);
    for (const std::string& k : f->kinds) {
      v1::DistinguishingMark::Kind kind;
      if (!ParseMarkKind(k, &kind)) {
        *exit_code = Fail("--kind: unknown kind '" + k + "'");
        return;
      }
      request.add_kinds(kind);
    }
    v1::DistinguishingMark::BodyRegion region = v1::DistinguishingMark::BODY_REGION_UNSPECIFIED;
    if (!f->region.empty() && !ParseBodyRegion(f->region, &region)) {
      *exit_code = Fail("--region: unknown region '" + f->region + "'");
      return;
    }
    request.set_body_region(region);
    v1::DistinguishingMark::Side side = v1::DistinguishingMark::SIDE_UNSPECIFIED;
    if (!f->side.empty() && !ParseBodySide(f->side, &side)) {
      *exit_code = Fail("--side: must be left, right or midline");
      return;
    }
    request.set_body_side(side);
    auto s = stub();
    *exit_code = ListPages<v1::SearchMarksRequest, v1::SearchMarksResponse>(
        request, *f, options, "MarkService.SearchMarks",
        [&](grpc::ClientContext* c, const v1::SearchMarksRequest& r, v1::SearchMarksResponse* out) {
          return s->SearchMarks(c, r, out);
        });
  });
}

}  // namespace encuentro::cli
