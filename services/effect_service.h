// encuentro.v1.EffectService: validate and translate requests, then hand them to the records
// module's PersonalEffects.
#pragma once

#include "encuentro/v1/effects.grpc.pb.h"
#include "records/effects.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Requests are parsed by ParsedService, which names a field holding invalid UTF-8. Thread-safe
// (PersonalEffects is).
class EffectServiceImpl final : public ParsedService<v1::EffectService> {
 public:
  EffectServiceImpl(Gatekeeper* gate, records::PersonalEffects* effects)
      : gate_(gate), effects_(effects) {
    ServeUnary(&EffectServiceImpl::CreateEffect);
    ServeUnary(&EffectServiceImpl::GetEffect);
    ServeUnary(&EffectServiceImpl::ListEffects);
    ServeUnary(&EffectServiceImpl::UpdateEffect);
    ServeUnary(&EffectServiceImpl::DeleteEffect);
    ServeUnary(&EffectServiceImpl::SearchEffects);
  }

  grpc::Status CreateEffect(grpc::ServerContext* context, const v1::CreateEffectRequest* request,
                            v1::PersonalEffect* response) override;
  grpc::Status GetEffect(grpc::ServerContext* context, const v1::GetEffectRequest* request,
                         v1::PersonalEffect* response) override;
  grpc::Status ListEffects(grpc::ServerContext* context, const v1::ListEffectsRequest* request,
                           v1::ListEffectsResponse* response) override;
  grpc::Status UpdateEffect(grpc::ServerContext* context, const v1::UpdateEffectRequest* request,
                            v1::PersonalEffect* response) override;
  grpc::Status DeleteEffect(grpc::ServerContext* context, const v1::DeleteEffectRequest* request,
                            v1::PersonalEffect* response) override;
  grpc::Status SearchEffects(grpc::ServerContext* context, const v1::SearchEffectsRequest* request,
                             v1::SearchEffectsResponse* response) override;

 private:
  Gatekeeper* gate_;
  records::PersonalEffects* effects_;
};

}  // namespace encuentro::services
