// encuentro.v1.PhotoService: client-streamed photo uploads and photo reads, translated to the
// records module's PhotoLibrary.
#pragma once

#include "encuentro/v1/photos.grpc.pb.h"
#include "records/photos.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Thread-safe (PhotoLibrary is).
class PhotoServiceImpl final : public ParsedService<v1::PhotoService> {
 public:
  PhotoServiceImpl(Gatekeeper* gate, records::PhotoLibrary* photos) : gate_(gate), photos_(photos) {
    ServeClientStream(&PhotoServiceImpl::Upload);
    ServeUnary(&PhotoServiceImpl::GetPhoto);
    ServeUnary(&PhotoServiceImpl::ListPhotos);
    ServeUnary(&PhotoServiceImpl::DeletePhoto);
  }

  grpc::Status GetPhoto(grpc::ServerContext* context, const v1::GetPhotoRequest* request,
                        v1::Photo* response) override;
  grpc::Status ListPhotos(grpc::ServerContext* context, const v1::ListPhotosRequest* request,
                          v1::ListPhotosResponse* response) override;
  grpc::Status DeletePhoto(grpc::ServerContext* context, const v1::DeletePhotoRequest* request,
                           v1::Photo* response) override;

 private:
  // AddPhoto.
  grpc::Status Upload(grpc::ServerContext* context, RequestReader<v1::AddPhotoRequest>* reader,
                      v1::Photo* response);
  Gatekeeper* gate_;
  records::PhotoLibrary* photos_;
};

// The API view of a stored photo (bytes and descriptor are added only for view FULL).
v1::Photo ToProto(const records::Photo& photo);

}  // namespace encuentro::services
