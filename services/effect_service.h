// encuentro.v1.EffectService: validate and translate requests, then hand them to the records
// module's PersonalEffects.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "encuentro/v1/effects.grpc.pb.h"
#include "records/effects.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// The methods that take free text receive their requests raw (see request_parsing.h), so that
// invalid UTF-8 is reported field by field. Thread-safe (PersonalEffects is).
class EffectServiceImpl final : public v1::EffectService::WithRawCallbackMethod_CreateEffect<
                                    v1::EffectService::WithRawCallbackMethod_UpdateEffect<
                                        v1::EffectService::WithRawCallbackMethod_DeleteEffect<
                                            v1::EffectService::WithRawCallbackMethod_SearchEffects<
                                                v1::EffectService::Service>>>> {
 public:
  EffectServiceImpl(Gatekeeper* gate, records::PersonalEffects* effects)
      : gate_(gate), effects_(effects) {}

  grpc::ServerUnaryReactor* CreateEffect(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateEffect(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteEffect(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SearchEffects(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::Status GetEffect(grpc::ServerContext* context, const v1::GetEffectRequest* request,
                         v1::PersonalEffect* response) override;
  grpc::Status ListEffects(grpc::ServerContext* context, const v1::ListEffectsRequest* request,
                           v1::ListEffectsResponse* response) override;

 private:
  grpc::Status Create(const grpc::ServerContextBase& context,
                      const v1::CreateEffectRequest& request, v1::PersonalEffect* response);
  grpc::Status Update(const grpc::ServerContextBase& context,
                      const v1::UpdateEffectRequest& request, v1::PersonalEffect* response);
  grpc::Status Delete(const grpc::ServerContextBase& context,
                      const v1::DeleteEffectRequest& request, v1::PersonalEffect* response);
  grpc::Status Search(const grpc::ServerContextBase& context,
                      const v1::SearchEffectsRequest& request, v1::SearchEffectsResponse* response);

  Gatekeeper* gate_;
  records::PersonalEffects* effects_;
};

}  // namespace encuentro::services
