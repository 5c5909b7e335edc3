import Foundation
import NIOConcurrencyHelpers
import NIOSSL
import X509
import XCTest
@testable import PatrolGateway

/// The interception CA: created once and kept, leaves for names and addresses with the right SANs,
/// one shared leaf key, cached contexts, and several processes creating it at once.
final class CampaignCATests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ca-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testCreatedOnceAndKeptWithPrivateKeysUnreadableByOthers() throws {
        let data = try temporaryDirectory()
        let first = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "CZ2022")
        let again = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "CZ2022")
        XCTAssertEqual(first.certificatePEM, again.certificatePEM, "loaded, not generated again")
        let other = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "WX2023")
        XCTAssertNotEqual(first.certificatePEM, other.certificatePEM, "one CA per campaign")

        let directory = CampaignCA.directory(dataDirectory: data, campaign: "CZ2022")
        for name in ["ca-key.pem", "leaf-key.pem"] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, name)
        }
        let ca = try Certificate(pemEncoded: first.certificatePEM)
        XCTAssertEqual(try ca.extensions.basicConstraints, .isCertificateAuthority(maxPathLength: 0))
        XCTAssertTrue(ca.subject.description.contains("CZ2022"))
        XCTAssertTrue(ca.notValidAfter > Date().addingTimeInterval(4 * 365 * 86_400))
    }

    func testCampaignCodesCannotLeaveTheDirectory() throws {
        let data = try temporaryDirectory()
        let directory = CampaignCA.directory(dataDirectory: data, campaign: "../../etc")
        XCTAssertTrue(directory.path.hasPrefix(data.appendingPathComponent("gateway/ca").path))
        XCTAssertFalse(directory.lastPathComponent.contains("."))
    }

    func testLeavesNameTheHostAndShareOneKey() throws {
        let data = try temporaryDirectory()
        let ca = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "CZ2022")
        let named = try ca.leafCertificate(for: "www.d01.example")
        let numbered = try ca.leafCertificate(for: "2001:db8::1")
        XCTAssertEqual(try named.extensions.subjectAlternativeNames.map(Array.init), [.dnsName("www.d01.example")])
        let ipSAN = try XCTUnwrap(try numbered.extensions.subjectAlternativeNames?.first)
        guard case .ipAddress(let octets) = ipSAN else { return XCTFail("IP SAN expected, got \(ipSAN)") }
        XCTAssertEqual(Array(octets.bytes), [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        XCTAssertEqual(named.publicKey, numbered.publicKey, "one leaf key pair for every host")
        XCTAssertEqual(named.issuer, try Certificate(pemEncoded: ca.certificatePEM).subject)
        XCTAssertLessThanOrEqual(named.notValidAfter.timeIntervalSince(named.notValidBefore), 398 * 86_400)
        XCTAssertEqual(try named.extensions.extendedKeyUsage, try ExtendedKeyUsage([.serverAuth]))

        // Signed by the CA: the verifier accepts the leaf with the CA as the only root.
        let root = try Certificate(pemEncoded: ca.certificatePEM)
        let expectation = expectation(description: "verified")
        Task {
            var verifier = Verifier(rootCertificates: CertificateStore([root])) {
                RFC5280Policy()
            }
            let result = await verifier.validate(leaf: named, intermediates: CertificateStore())
            if case .validCertificate = result { expectation.fulfill() } else { XCTFail("\(result)") }
        }
        wait(for: [expectation], timeout: 10)
    }

    func testServerContextsAreCachedPerHost() throws {
        let data = try temporaryDirectory()
        let ca = try CampaignCA.loadOrCreate(dataDirectory: data, campaign: "CZ2022")
        let a = try ca.serverContext(for: "www.d01.example")
        XCTAssertTrue(a === (try ca.serverContext(for: "WWW.D01.example")), "the same context, case-insensitively")
        XCTAssertFalse(a === (try ca.serverContext(for: "mail.d01.example")))
    }

    func testConcurrentCreationEndsWithOneCA() throws {
        let data = try temporaryDirectory()
        let results = NIOLockedValueBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let pem = (try? CampaignCA.loadOrCreate(dataDirectory: data, campaign: "RACE").certificatePEM) ?? "failed"
            results.withLockedValue { $0.append(pem) }
        }
        let distinct = Set(results.withLockedValue { $0 })
        XCTAssertEqual(distinct.count, 1, "every racer ends with the same CA")
        XCTAssertFalse(distinct.contains("failed"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("gateway/ca").path)
        XCTAssertEqual(leftovers, ["RACE"], "no staging directories are left behind")
    }
}
