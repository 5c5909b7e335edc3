import Crypto
import Foundation

/// The webhook provider's signature: `X-Patrol-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
/// with `X-Patrol-Timestamp`, so a receiving 云MAS / provincial gateway can check origin and freshness.
public enum WebhookSigner {
    public static func signature(secret: String, timestamp: Int, body: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
