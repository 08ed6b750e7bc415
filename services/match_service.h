// encuentro.v1.MatchService: candidate searches for a set of remains, translated to the
// matching module.
#pragma once

#include "encuentro/v1/matching.grpc.pb.h"
#include "matching/matcher.h"

namespace encuentro::services {

// Thread-safe (Matcher is).
class MatchServiceImpl final : public v1::MatchService::Service {
 public:
  explicit MatchServiceImpl(matching::Matcher* matcher) : matcher_(matcher) {}

  grpc::Status SearchCandidates(grpc::ServerContext* context,
                                const v1::SearchCandidatesRequest* request,
                                v1::SearchCandidatesResponse* response) override;

 private:
  matching::Matcher* matcher_;
};

}  // namespace encuentro::services
