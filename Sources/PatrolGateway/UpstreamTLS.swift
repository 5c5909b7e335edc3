import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PatrolCore
import NIOSSL
import SwiftASN1
import X509

/// TLS towards the upstream when intercepting or replaying. Testers attack assets whose
/// certificates are often self-signed or expired, so the certificate is not verified by default;
/// instead what was presented is recorded on the request.
enum UpstreamTLS {
    /// One shared client context: building a context loads the system trust store, which is slow.
    private static let context: NIOSSLContext? = {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Verification on, but with a custom callback that accepts whatever is presented (and no
        // hostname check): this is how NIOSSL hands us the peer's chain during the handshake.
        configuration.certificateVerification = .noHostnameVerification
        configuration.applicationProtocols = ["http/1.1"]
        return try? NIOSSLContext(configuration: configuration)
    }()

    struct Unavailable: Error {}

    /// A client handler that accepts any certificate and reports the leaf it saw. No SNI is sent
    /// for IP literals (`serverHostname` nil), as TLS forbids it.
    static func clientHandler(serverHostname: String?,
                              onPeerCertificate: @escaping @Sendable (NIOSSLCertificate?) -> Void) throws -> NIOSSLClientHandler {
        guard let context else { throw Unavailable() }
        return try NIOSSLClientHandler(context: context, serverHostname: serverHostname) { chain, promise in
            onPeerCertificate(chain.first)
            promise.succeed(.certificateVerified)
        }
    }

    /// TLS when asked (no SNI for IP literals) and the HTTP client codec; the certificate the
    /// target presents is summarised into `certificate` for the record.
    /// `forwardInformational`: interim 1xx responses (a `100 Continue` to a request that said
    /// `Expect: 100-continue`) reach the handler as heads before the final one, instead of being
    /// dropped, so the proxy can pass them on to a client that waits for them.
    static func addHTTPClientHandlers(to sync: ChannelPipeline.SynchronousOperations, tls: Bool, host: String,
                                      certificate: NIOLockedValueBox<String?>, forwardInformational: Bool = false) throws {
        if tls {
            let serverName = Scope.isLiteral(host) == nil ? host : nil
            try sync.addHandler(clientHandler(serverHostname: serverName) { peer in
                certificate.withLockedValue { $0 = peer.map(summary(of:)) }
            })
        }
        guard forwardInformational else { return try sync.addHTTPClientHandlers() }
        // What `addHTTPClientHandlers()` adds, with the decoder's informational strategy, which it does not take.
        try sync.addHandler(HTTPRequestEncoder())
        try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes,
                                                                     informationalResponseStrategy: .forward)))
        try sync.addHandler(NIOHTTPRequestHeadersValidator())
    }

    /// A one-line description of a presented certificate for the record: subject, issuer, expiry
    /// and SHA-256 fingerprint.
    static func summary(of certificate: NIOSSLCertificate) -> String {
        guard let der = try? certificate.toDERBytes() else { return "unreadable certificate" }
        let fingerprint = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        guard let parsed = try? Certificate(derEncoded: der) else { return "sha256=\(fingerprint)" }
        let formatter = ISO8601DateFormatter()
        return "subject=\(parsed.subject); issuer=\(parsed.issuer); notAfter=\(formatter.string(from: parsed.notValidAfter)); sha256=\(fingerprint)"
    }
}
