// encuentro.v1.MatchService: candidate searches for a set of remains, translated to the
// matching module.
#pragma once

#include "encuentro/v1/matching.grpc.pb.h"
#include "matching/matcher.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Thread-safe (Matcher is).
class MatchServiceImpl final : public ParsedService<v1::MatchService> {
 public:
  MatchServiceImpl(Gatekeeper* gate, matching::Matcher* matcher) : gate_(gate), matcher_(matcher) {
    ServeUnary(&MatchServiceImpl::SearchCandidates);
    ServeBidiStream(&MatchServiceImpl::SearchStream);
    ServeUnary(&MatchServiceImpl::RecordDecision);
    ServeUnary(&MatchServiceImpl::ListCandidates);
    ServeUnary(&MatchServiceImpl::ConfirmIdentification);
  }

  grpc::Status SearchCandidates(grpc::ServerContext* context,
                                const v1::SearchCandidatesRequest* request,
                                v1::SearchCandidatesResponse* response) override;
  grpc::Status RecordDecision(grpc::ServerContext* context,
                              const v1::RecordDecisionRequest* request,
                              v1::CandidatePair* response) override;
  grpc::Status ConfirmIdentification(grpc::ServerContext* context,
                                     const v1::ConfirmIdentificationRequest* request,
                                     v1::Identification* response) override;
  grpc::Status ListCandidates(grpc::ServerContext* context,
                              const v1::ListCandidatesRequest* request,
                              v1::ListCandidatesResponse* response) override;

 private:
  // BatchSearch.
  grpc::Status SearchStream(grpc::ServerContext* context,
                            RequestReader<v1::BatchSearchRequest>* requests,
                            ResponseWriter<v1::BatchSearchResult>* results);
  grpc::Status Search(const auth::Principal& caller, const v1::SearchCandidatesRequest& request,
                      v1::SearchCandidatesResponse* response);

  Gatekeeper* gate_;
  matching::Matcher* matcher_;
};

}  // namespace encuentro::services
