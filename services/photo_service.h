// encuentro.v1.PhotoService: client-streamed photo uploads and photo reads, translated to the
// records module's PhotoLibrary.
#pragma once

#include "encuentro/v1/photos.grpc.pb.h"
#include "records/photos.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// Thread-safe (PhotoLibrary is).
class PhotoServiceImpl final : public v1::PhotoService::Service {
 public:
  PhotoServiceImpl(Gatekeeper* gate, records::PhotoLibrary* photos)
      : gate_(gate), photos_(photos) {}

  grpc::Status AddPhoto(grpc::ServerContext* context,
                        grpc::ServerReader<v1::AddPhotoRequest>* reader,
                        v1::Photo* response) override;
  grpc::Status GetPhoto(grpc::ServerContext* context, const v1::GetPhotoRequest* request,
                        v1::Photo* response) override;
  grpc::Status ListPhotos(grpc::ServerContext* context, const v1::ListPhotosRequest* request,
                          v1::ListPhotosResponse* response) override;
  grpc::Status DeletePhoto(grpc::ServerContext* context, const v1::DeletePhotoRequest* request,
                           v1::Photo* response) override;

 private:
  Gatekeeper* gate_;
  records::PhotoLibrary* photos_;
};

// The API view of a stored photo (bytes and descriptor are added only for view FULL).
v1::Photo ToProto(const records::Photo& photo);

}  // namespace encuentro::services
