import Crypto
import Foundation

/// Tencent Cloud TC3-HMAC-SHA256 signing for `POST /` with a JSON body, as SendSms (2021-01-11)
/// expects. Signed headers are content-type and host, names and values lower-cased.
public enum TencentSigner {
    public struct Signed: Sendable, Equatable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func hmac(_ key: Data, _ text: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: key)))
    }

    /// The UTC date (`yyyy-MM-dd`) of a Unix timestamp, as the credential scope wants it.
    public static func utcDate(_ timestamp: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(timestamp)))
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    public static func sign(secretID: String, secretKey: String, service: String, host: String,
                            contentType: String = "application/json; charset=utf-8", body: Data, timestamp: Int) -> Signed {
        let signedHeaders = "content-type;host"
        let canonicalHeaders = "content-type:\(contentType.lowercased())\nhost:\(host.lowercased())\n"
        let canonicalRequest = "POST\n/\n\n\(canonicalHeaders)\n\(signedHeaders)\n\(hex(SHA256.hash(data: body)))"
        let date = utcDate(timestamp)
        let scope = "\(date)/\(service)/tc3_request"
        let stringToSign = "TC3-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(hex(SHA256.hash(data: Data(canonicalRequest.utf8))))"
        let kDate = hmac(Data("TC3\(secretKey)".utf8), date)
        let kService = hmac(kDate, service)
        let kSigning = hmac(kService, "tc3_request")
        let signature = hex(hmac(kSigning, stringToSign))
        let authorization = "TC3-HMAC-SHA256 Credential=\(secretID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, authorization: authorization)
    }
}
