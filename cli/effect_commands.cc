#include "cli/effect_commands.h"

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/output.h"
#include "encuentro/v1/effects.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct EffectFlags {
  std::string parent;
  std::string name;
  std::string category;
  std::string description;
  std::string colour;
  std::string brand;
  std::string size;
  std::vector<std::string> keywords;
  std::vector<std::string> mask;
  std::string request_id;
  std::string etag;
  std::string reason;
  std::string record_kind = "remains";
  std::string query;
  std::vector<std::string> categories;
  bool show_deleted = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

void AddValueFlags(CLI::App* command, EffectFlags* f) {
  command->add_option("--category", f->category,
                      "clothing, footwear, jewelry, accessory, document, phone or other");
  command->add_option("--description", f->description, "What it is");
  command->add_option("--colour", f->colour, "Colour");
  command->add_option("--brand", f->brand, "Brand");
  command->add_option("--size", f->size, "Size");
  command->add_option("--keyword", f->keywords, "One idea each; repeat the flag");
}

std::string EffectFromFlags(const EffectFlags& f, v1::PersonalEffect* effect) {
  if (!f.category.empty()) {
    v1::PersonalEffect::Category category;
    if (!ParseEffectCategory(f.category, &category)) {
      return "--category: unknown category '" + f.category + "'";
    }
    effect->set_category(category);
  }
  effect->set_description(f.description);
  effect->set_colour(f.colour);
  effect->set_brand(f.brand);
  effect->set_size(f.size);
  for (const std::string& k : f.keywords) effect->add_keywords(k);
  return "";
}

void PrintSummary(const v1::PersonalEffect& e, bool json) {
  if (json) return PrintMessage(e, true);
  std::printf("%-30s %-10s %s%s%s\n", e.name().c_str(),
              v1::PersonalEffect::Category_Name(e.category()).c_str(), e.description().c_str(),
              e.colour().empty() ? "" : ", ", e.colour().c_str());
}

}  // namespace

bool ParseEffectCategory(const std::string& text, v1::PersonalEffect::Category* category) {
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v1::PersonalEffect::Category_Parse(upper, category) &&
         *category != v1::PersonalEffect::CATEGORY_UNSPECIFIED;
}

void AddEffectCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto f = std::make_shared<EffectFlags>();
  CLI::App* group = app.add_subcommand(
      "effects", "Clothing and personal effects of missing persons (as last seen) and remains");
  group->require_subcommand(1);
  const auto stub = [&options] { return v1::EffectService::NewStub(OpenChannel(options)); };

  CLI::App* create = group->add_subcommand("create", "Record an effect on a record");
  create->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  AddValueFlags(create, f.get());
  create->add_option("--request-id", f->request_id, "Idempotency key");
  create->callback([=, &options] {
    v1::CreateEffectRequest request;
    if (std::string e = EffectFromFlags(*f, request.mutable_effect()); !e.empty()) {
      *exit_code = Fail(e);
      return;
    }
    request.set_parent(f->parent);
    request.set_request_id(f->request_id);
    v1::PersonalEffect out;
    grpc::Status status = stub()->CreateEffect(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.CreateEffect", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* get = group->add_subcommand("get", "Show one effect");
  get->add_option("name", f->name, "e.g. remains/7/effects/1")->required();
  get->callback([=, &options] {
    v1::GetEffectRequest request;
    request.set_name(f->name);
    v1::PersonalEffect out;
    grpc::Status status = stub()->GetEffect(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.GetEffect", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* list = group->add_subcommand("list", "A record's effects, one per line");
  list->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  list->add_flag("--show-deleted", f->show_deleted, "Include soft-deleted effects");
  list->callback([=, &options] {
    v1::ListEffectsRequest request;
    request.set_parent(f->parent);
    request.set_show_deleted(f->show_deleted);
    request.set_page_size(1000);
    v1::ListEffectsResponse out;
    grpc::Status status = stub()->ListEffects(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.ListEffects", status);
      return;
    }
    for (const auto& e : out.effects()) PrintSummary(e, options.json);
  });

  CLI::App* update = group->add_subcommand("update", "Change the fields named by --mask");
  update->add_option("name", f->name, "e.g. remains/7/effects/1")->required();
  AddValueFlags(update, f.get());
  update->add_option("--mask", f->mask, "category, description, colour, brand, size, keywords")
      ->delimiter(',')
      ->required();
  update->add_option("--etag", f->etag, "Refuse if the effect changed since this etag");
  update->callback([=, &options] {
    v1::UpdateEffectRequest request;
    if (std::string e = EffectFromFlags(*f, request.mutable_effect()); !e.empty()) {
      *exit_code = Fail(e);
      return;
    }
    request.mutable_effect()->set_name(f->name);
    request.mutable_effect()->set_etag(f->etag);
    for (const auto& path : f->mask) request.mutable_update_mask()->add_paths(path);
    v1::PersonalEffect out;
    grpc::Status status = stub()->UpdateEffect(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.UpdateEffect", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* remove = group->add_subcommand("delete", "Soft-delete an effect, with a reason");
  remove->add_option("name", f->name, "e.g. remains/7/effects/1")->required();
  remove->add_option("--reason", f->reason, "Why")->required();
  remove->add_option("--etag", f->etag, "Refuse if the effect changed since this etag");
  remove->callback([=, &options] {
    v1::DeleteEffectRequest request;
    request.set_name(f->name);
    request.set_reason(f->reason);
    request.set_etag(f->etag);
    v1::PersonalEffect out;
    grpc::Status status = stub()->DeleteEffect(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.DeleteEffect", status);
      return;
    }
    PrintMessage(out, options.json);
  });

  CLI::App* search = group->add_subcommand(
      "search", "Find effects by words and category (\"camisa azul Chivas\")");
  search->add_option("query", f->query,
                     "Words that must all appear (Spanish stemming, accents ignored)");
  search->add_option("--in", f->record_kind, "remains or missing")->capture_default_str();
  search->add_option("--category", f->categories, "Any of these categories; repeat the flag");
  search->callback([=, &options] {
    v1::SearchEffectsRequest request;
    if (f->record_kind == "missing") {
      request.set_record_kind(v1::SearchEffectsRequest::MISSING_PERSONS);
    } else if (f->record_kind != "remains") {
      *exit_code = Fail("--in must be remains or missing");
      return;
    }
    request.set_query(f->query);
    for (const std::string& c : f->categories) {
      v1::PersonalEffect::Category category;
      if (!ParseEffectCategory(c, &category)) {
        *exit_code = Fail("--category: unknown category '" + c + "'");
        return;
      }
      request.add_categories(category);
    }
    request.set_page_size(1000);
    v1::SearchEffectsResponse out;
    grpc::Status status = stub()->SearchEffects(NewContext(options).get(), request, &out);
    if (!status.ok()) {
      *exit_code = ReportRpcError("EffectService.SearchEffects", status);
      return;
    }
    for (const auto& e : out.effects()) PrintSummary(e, options.json);
  });
}

}  // namespace encuentro::cli
