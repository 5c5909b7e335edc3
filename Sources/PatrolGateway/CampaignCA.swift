import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOSSL
import PatrolCore
import SwiftASN1
import X509

/// A campaign's interception authority: a P-256 CA created on first use and kept under
/// `PATROL_DATA_DIR/gateway/ca/<campaign>/`, plus one leaf key pair shared by every host's leaf
/// certificate, so interception never generates a key per host. Leaf contexts are cached per host.
public final class CampaignCA: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "拦截 CA 文件无法读取 / interception CA file unreadable: \(path): \(reason)"
            }
        }
    }

    /// The CA certificate, PEM-encoded, as testers install it.
    public let certificatePEM: String
    public let campaign: String
    let certificate: Certificate
    private let key: P256.Signing.PrivateKey
    private let leafKey: P256.Signing.PrivateKey
    private let nioCertificate: NIOSSLCertificate
    private let nioLeafKey: NIOSSLPrivateKey
    private let contexts = NIOLockedValueBox<[String: NIOSSLContext]>([:])
    /// Leaf contexts kept at once; the cache starts over when full (a campaign has far fewer hosts).
    static let cacheLimit = 20_000

    private init(campaign: String, certificate: Certificate, key: P256.Signing.PrivateKey, leafKey: P256.Signing.PrivateKey) throws {
        self.campaign = campaign
        self.certificate = certificate
        self.key = key
        self.leafKey = leafKey
        self.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        var der = DER.Serializer()
        try der.serialize(certificate)
        self.nioCertificate = try NIOSSLCertificate(bytes: der.serializedBytes, format: .der)
        self.nioLeafKey = try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)
    }

    /// The directory holding a campaign's CA files. Codes are used as-is when they are plain
    /// letters, digits, `-` and `_`; anything else is hashed so it cannot leave the directory.
    public static func directory(dataDirectory: URL, campaign: String) -> URL {
        let plain = !campaign.isEmpty && campaign.count <= 64 && campaign.allSatisfy {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_")
        }
        let name = plain ? campaign : "h-" + SHA256.hash(data: Data(campaign.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        return dataDirectory.appendingPathComponent("gateway/ca/\(name)", isDirectory: true)
    }

    /// Loads the campaign's CA, creating it if it does not exist. Safe against several gateway
    /// processes creating it at once: the files are written to a private directory that is then
    /// renamed into place, and a process that loses the race loads the winner's files.
    public static func loadOrCreate(dataDirectory: URL, campaign: String) throws -> CampaignCA {
        let directory = directory(dataDirectory: dataDirectory, campaign: campaign)
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca.pem").path) {
            return try load(directory: directory, campaign: campaign)
        }
        let parent = directory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let staging = parent.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: staging) }
        let key = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        let certificate = try makeAuthority(campaign: campaign, key: key)
        try write(try certificate.serializeAsPEM().pemString + "\n", to: staging.appendingPathComponent("ca.pem"), mode: 0o644)
        try write(key.pemRepresentation + "\n", to: staging.appendingPathComponent("ca-key.pem"), mode: 0o600)
        try write(leafKey.pemRepresentation + "\n", to: staging.appendingPathComponent("leaf-key.pem"), mode: 0o600)
        if rename(staging.path, directory.path) != 0 {
            // Another process created it first (EEXIST/ENOTEMPTY): use theirs.
            guard errno == EEXIST || errno == ENOTEMPTY else {
                throw Failure.unreadable(path: directory.path, reason: String(cString: strerror(errno)))
            }
        }
        return try load(directory: directory, campaign: campaign)
    }

    private static func load(directory: URL, campaign: String) throws -> CampaignCA {
        func read(_ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw Failure.unreadable(path: url.path, reason: String(describing: error))
            }
        }
        do {
            let certificate = try Certificate(pemEncoded: try read("ca.pem"))
            let key = try P256.Signing.PrivateKey(pemRepresentation: try read("ca-key.pem"))
            let leafKey = try P256.Signing.PrivateKey(pemRepresentation: try read("leaf-key.pem"))
            return try CampaignCA(campaign: campaign, certificate: certificate, key: key, leafKey: leafKey)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(path: directory.path, reason: String(describing: error))
        }
    }

    private static func write(_ text: String, to url: URL, mode: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw Failure.unreadable(path: url.path, reason: "cannot create")
        }
    }

    private static func makeAuthority(campaign: String, key: P256.Signing.PrivateKey) throws -> Certificate {
        let now = Date()
        let name = try DistinguishedName {
            OrganizationName("Patrol")
            CommonName("Patrol interception CA \(campaign)")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(5 * 366 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: .init(key))
    }

    /// A leaf certificate for `host` (a DNS name or an IP literal), signed by this CA with the
    /// shared leaf key. Valid for at most 397 days and never beyond the CA.
    func leafCertificate(for host: String, now: Date = Date()) throws -> Certificate {
        let san: GeneralName
        if let ip = Scope.isLiteral(host) {
            san = .ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip.bytes)))
        } else {
            san = .dnsName(host)
        }
        let subject = try DistinguishedName { CommonName(String(host.prefix(64))) }
        let leafPublic = Certificate.PublicKey(leafKey.publicKey)
        let caPublic = Certificate.PublicKey(key.publicKey)
        let notAfter = min(now.addingTimeInterval(397 * 86_400), certificate.notValidAfter)
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafPublic,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: notAfter,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([san])
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublic).keyIdentifier)
            },
            issuerPrivateKey: .init(key))
    }

    /// The server-side TLS context presenting `host`'s leaf (and the CA) to an intercepted client.
    public func serverContext(for host: String) throws -> NIOSSLContext {
        let key = host.lowercased()
        if let cached = contexts.withLockedValue({ $0[key] }) { return cached }
        let leaf = try leafCertificate(for: key)
        var der = DER.Serializer()
        try der.serialize(leaf)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: der.serializedBytes, format: .der)),
                               .certificate(nioCertificate)],
            privateKey: .privateKey(nioLeafKey))
        configuration.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: configuration)
        return contexts.withLockedValue { table in
            if let raced = table[key] { return raced }
            if table.count >= Self.cacheLimit { table.removeAll(keepingCapacity: true) }
            table[key] = context
            return context
        }
    }
}
