#include "services/effect_service.h"

#include "records/names.h"
#include "services/record_conversion.h"
#include "services/request_digest.h"
#include "services/rpc_helpers.h"

namespace encuentro::services {
namespace {

absl::StatusOr<records::PartRef> RequireEffectName(const std::string& name,
                                                   const std::string& field) {
  std::optional<records::PartRef> ref = records::ParseEffectName(name);
  if (!ref) return InvalidFields({{field, "must be an effect name like remains/1/effects/2"}});
  return *ref;
}

absl::StatusOr<records::RecordRef> RequireParent(const std::string& name) {
  std::optional<records::RecordRef> ref = records::ParseRecordName(name);
  if (!ref) {
    return InvalidFields({{"parent", "must be a record name like missingPersons/1 or remains/1"}});
  }
  return *ref;
}

// Violations from the records module name fields of the effect; the request's own fields keep
// their names.
absl::Status PrefixEffectFields(const absl::Status& status) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  const std::string& first = violations.front().field;
  if (first == "request_id" || first == "update_mask" || first == "reason" ||
      first == "page_size" || first == "query") {
    return status;
  }
  return InvalidFields(WithFieldPrefix(violations, "effect"));
}

}  // namespace

grpc::Status EffectServiceImpl::CreateEffect(grpc::ServerContext* context,
                                             const v1::CreateEffectRequest* request,
                                             v1::PersonalEffect* response) {
  return Serve(gate_, *context, "encuentro.v1.EffectService.CreateEffect",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::RecordRef> parent = RequireParent(request->parent());
                 if (!parent.ok()) return parent.status();
                 std::vector<FieldViolation> bad;
                 records::PersonalEffect effect = FromProto(request->effect(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "effect"));
                 effect.owner_kind = parent->kind;
                 effect.owner_id = parent->id;
                 absl::StatusOr<records::PersonalEffect> created =
                     effects_->CreateEffect(caller, std::move(effect), RequestKeyOf(*request));
                 if (!created.ok()) return PrefixEffectFields(created.status());
                 *response = ToProto(*created);
                 return absl::OkStatus();
               });
}

grpc::Status EffectServiceImpl::GetEffect(grpc::ServerContext* context,
                                          const v1::GetEffectRequest* request,
                                          v1::PersonalEffect* response) {
  return Serve(gate_, *context, "encuentro.v1.EffectService.GetEffect",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireEffectName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<records::PersonalEffect> effect = effects_->GetEffect(caller, *ref);
                 if (!effect.ok()) return effect.status();
                 *response = ToProto(*effect);
                 return absl::OkStatus();
               });
}

grpc::Status EffectServiceImpl::ListEffects(grpc::ServerContext* context,
                                            const v1::ListEffectsRequest* request,
                                            v1::ListEffectsResponse* response) {
  return Serve(gate_, *context, "encuentro.v1.EffectService.ListEffects",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::RecordRef> parent = RequireParent(request->parent());
                 if (!parent.ok()) return parent.status();
                 absl::StatusOr<PagePosition> page = PagePositionOf(*request);
                 if (!page.ok()) return page.status();
                 absl::StatusOr<records::Page<records::PersonalEffect>> effects =
                     effects_->ListEffects(caller, parent->kind, parent->id,
                                           request->show_deleted(), page->size, page->after_id);
                 if (!effects.ok()) return effects.status();
                 response->set_next_page_token(NextPageToken(
                     *request, AppendWithinBytes(*effects, response->mutable_effects(),
                                                 [](const auto& e) { return ToProto(e); })));
                 return absl::OkStatus();
               });
}

grpc::Status EffectServiceImpl::UpdateEffect(grpc::ServerContext* context,
                                             const v1::UpdateEffectRequest* request,
                                             v1::PersonalEffect* response) {
  return Serve(gate_, *context, "encuentro.v1.EffectService.UpdateEffect",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref =
                     RequireEffectName(request->effect().name(), "effect.name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->effect().etag(), "effect.etag");
                 if (!revision.ok()) return revision.status();
                 std::vector<FieldViolation> bad;
                 records::PersonalEffect values = FromProto(request->effect(), &bad);
                 if (!bad.empty()) return InvalidFields(WithFieldPrefix(bad, "effect"));
                 absl::StatusOr<records::PersonalEffect> updated = effects_->UpdateEffect(
                     caller, *ref, values, MaskPaths(request->update_mask()), *revision);
                 if (!updated.ok()) return PrefixEffectFields(updated.status());
                 *response = ToProto(*updated);
                 return absl::OkStatus();
               });
}

grpc::Status EffectServiceImpl::DeleteEffect(grpc::ServerContext* context,
                                             const v1::DeleteEffectRequest* request,
                                             v1::PersonalEffect* response) {
  return Serve(gate_, *context, "encuentro.v1.EffectService.DeleteEffect",
               [&](const auth::Principal& caller) -> absl::Status {
                 absl::StatusOr<records::PartRef> ref = RequireEffectName(request->name(), "name");
                 if (!ref.ok()) return ref.status();
                 absl::StatusOr<std::optional<int64_t>> revision =
                     OptionalRevision(request->etag(), "etag");
                 if (!revision.ok()) return revision.status();
                 absl::StatusOr<records::PersonalEffect> deleted =
                     effects_->DeleteEffect(caller, *ref, request->reason(), *revision);
                 if (!deleted.ok()) return deleted.status();
                 *response = ToProto(*deleted);
                 return absl::OkStatus();
               });
}

grpc::Status EffectServiceImpl::SearchEffects(grpc::ServerContext* context,
                                              const v1::SearchEffectsRequest* request,
                                              v1::SearchEffectsResponse* response) {
  return Serve(
      gate_, *context, "encuentro.v1.EffectService.SearchEffects",
      [&](const auth::Principal& caller) -> absl::Status {
        storage::EffectSearch search;
        std::vector<FieldViolation> bad;
        switch (request->record_kind()) {
          case v1::SearchEffectsRequest::RECORD_KIND_UNSPECIFIED:
          case v1::SearchEffectsRequest::REMAINS:
            search.owner_kind = records::RecordKind::kRemains;
            break;
          case v1::SearchEffectsRequest::MISSING_PERSONS:
            search.owner_kind = records::RecordKind::kMissingPerson;
            break;
          default:
            bad.push_back({"record_kind", "unknown value"});
        }
        search.text = request->query();
        for (int i = 0; i < request->categories_size(); ++i) {
          if (auto category = EnumFromProto(request->categories(i), records::EffectCategory::kOther,
                                            "categories[" + std::to_string(i) + "]", &bad)) {
            search.categories.push_back(*category);
          }
        }
        if (!bad.empty()) return InvalidFields(bad);
        absl::StatusOr<PagePosition> page = PagePositionOf(*request);
        if (!page.ok()) return page.status();
        search.page_size = page->size;
        search.after_id = page->after_id;
        absl::StatusOr<records::Page<records::PersonalEffect>> found =
            effects_->SearchEffects(caller, std::move(search));
        if (!found.ok()) return found.status();
        response->set_next_page_token(
            NextPageToken(*request, AppendWithinBytes(*found, response->mutable_effects(),
                                                      [](const auto& e) { return ToProto(e); })));
        return absl::OkStatus();
      });
}

}  // namespace encuentro::services
