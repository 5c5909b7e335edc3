import Foundation
import PatrolSheet
import Vapor

/// The files of an import: the upload read as a table, and the blank templates to download.
extension ImportController {
    /// The upload as a table, read on the thread pool: the readers are synchronous and inflate,
    /// decode and parse up to 10 MB, which must not hold an event loop.
    func table(_ req: Request, _ data: Data, filename: String?) async throws -> SheetTable {
        let result: Result<SheetTable, SheetError> = try await req.application.threadPool.runIfActive {
            Result { () throws(SheetError) -> SheetTable in try ImportFile.table(data, filename: filename) }
        }
        switch result {
        case .success(let table): return table
        case .failure(let error): throw PatrolError.sheet(error)
        }
    }

    func template(req: Request) async throws -> Response {
        guard let name = req.parameters.get("template"), let template = ImportTemplate(rawValue: name) else { throw PatrolError.notFound }
        let response = Response(status: .ok, body: .init(data: try template.data()))
        response.headers.contentType = template.contentType
        // A download, never shown inline (the file name in Chinese, RFC 6266 / 5987).
        let filename = req.t("import.template.filename.\(template.key)") + template.fileExtension
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"; filename*=UTF-8''\(encoded)")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
