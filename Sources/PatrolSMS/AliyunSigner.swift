import Crypto
import Foundation

/// Alibaba Cloud RPC signing (SignatureMethod HMAC-SHA1, SignatureVersion 1.0) as dysmsapi's
/// SendSms expects: parameters percent-encoded (unreserved `A-Za-z0-9-_.~` kept, space as %20),
/// sorted by name, `METHOD&%2F&` + the encoded query, keyed with `secret&`, Base64 of the HMAC.
public enum AliyunSigner {
    static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

    public static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) }
            else { out += String(format: "%%%02X", byte) }
        }
        return out
    }

    /// `name=value&…` sorted by name (byte order), each part percent-encoded.
    public static func canonicalQuery(_ parameters: [String: String]) -> String {
        parameters.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }
            .joined(separator: "&")
    }

    public static func stringToSign(method: String, parameters: [String: String]) -> String {
        "\(method.uppercased())&\(percentEncode("/"))&\(percentEncode(canonicalQuery(parameters)))"
    }

    public static func signature(method: String, parameters: [String: String], secret: String) -> String {
        let key = SymmetricKey(data: Data("\(secret)&".utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(stringToSign(method: method, parameters: parameters).utf8), using: key)
        return Data(mac).base64EncodedString()
    }
}
