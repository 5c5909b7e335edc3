import Foundation
import XCTest
@testable import PatrolCore

final class PasswordPolicyTests: XCTestCase {
    func testRules() {
        let policy = PasswordPolicy()
        XCTAssertEqual(policy.check("Ab1!short"), .tooShort(minimum: 10))
        XCTAssertEqual(policy.check("abcdefghij12"), .tooFewClasses(minimum: 3))
        XCTAssertNil(policy.check("abcdefgh1!"))
        XCTAssertEqual(policy.check("Zhangsan-2024", username: "zhangsan"), .containsUsername)
        for _ in 0..<200 { XCTAssertNil(policy.check(PasswordPolicy.generate())) }
    }

    func testLockoutAfterFiveFailures() {
        let throttle = LoginThrottle()
        let now = Date(timeIntervalSince1970: 1_000_000)
        var failures = 0
        var locked: Date?
        for _ in 0..<4 { (failures, locked) = throttle.afterFailure(failures: failures, now: now) }
        XCTAssertNil(locked)
        (failures, locked) = throttle.afterFailure(failures: failures, now: now)
        XCTAssertEqual(locked, now.addingTimeInterval(900))
        XCTAssertTrue(throttle.isLocked(lockedUntil: locked, now: now.addingTimeInterval(899)))
        XCTAssertFalse(throttle.isLocked(lockedUntil: locked, now: now.addingTimeInterval(900)))
    }
}

final class AccessPolicyTests: XCTestCase {
    let unitA = UUID(), unitB = UUID(), team = UUID()

    func actor(_ role: Role) -> Actor {
        Actor(userID: UUID(), username: role.rawValue, role: role,
              unitID: role == .liaison ? unitA : nil, teamID: role == .tester ? team : nil)
    }

    func testAnonymousIsAskedToSignIn() {
        XCTAssertEqual(AccessPolicy.decide(nil, .viewCampaigns), .unauthenticated)
    }

    func testLiaisonSeesOnlyOwnUnit() {
        XCTAssertEqual(AccessPolicy.decide(actor(.liaison), .viewUnit(unitID: unitA)), .allow)
        XCTAssertEqual(AccessPolicy.decide(actor(.liaison), .viewUnit(unitID: unitB)), .notFound)
        XCTAssertEqual(AccessPolicy.decide(actor(.liaison), .viewLiaisonContacts(unitID: unitB)), .notFound)
    }

    func testTesterNeverSeesContacts() {
        if case .forbidden = AccessPolicy.decide(actor(.tester), .viewLiaisonContacts(unitID: unitA)) {} else { XCTFail() }
        XCTAssertEqual(AccessPolicy.decide(actor(.tester), .viewUnit(unitID: unitA)), .allow)
    }

    func testAssetDeclarationOnlyBeforeTheCampaignRuns() {
        XCTAssertEqual(AccessPolicy.decide(actor(.liaison), .declareAsset(unitID: unitA, campaignState: .draft)), .allow)
        for state in [CampaignState.running, .closed, .published] {
            if case .forbidden = AccessPolicy.decide(actor(.liaison), .declareAsset(unitID: unitA, campaignState: state)) {} else { XCTFail("\(state)") }
        }
        XCTAssertEqual(AccessPolicy.decide(actor(.liaison), .declareAsset(unitID: unitB, campaignState: .draft)), .notFound)
        XCTAssertEqual(AccessPolicy.decide(actor(.admin), .declareAsset(unitID: unitB, campaignState: .running)), .allow)
        for role in [Role.reviewer, .tester, .observer] {
            XCTAssertNotEqual(AccessPolicy.decide(actor(role), .declareAsset(unitID: unitA, campaignState: .draft)), .allow)
        }
    }

    func testAdministrationIsAdminOnly() {
        for role in Role.allCases {
            let expected = role == .admin
            XCTAssertEqual(AccessPolicy.decide(actor(role), .manageUsers) == .allow, expected, "\(role)")
            XCTAssertEqual(AccessPolicy.decide(actor(role), .viewAudit) == .allow, expected, "\(role)")
        }
    }
}

final class AuditChainTests: XCTestCase {
    func chain(_ n: Int) -> [AuditChain.Entry] {
        var entries: [AuditChain.Entry] = []
        var prev = AuditChain.genesis
        for i in 1...n {
            let at = Date(timeIntervalSince1970: Double(1_650_000_000 + i))
            let h = AuditChain.hash(seq: i, at: at, actor: "admin", clientAddress: "127.0.0.1", action: "x", objectType: "user",
                                    objectID: "u\(i)", details: "{}", prevHash: prev)
            entries.append(.init(seq: i, at: at, actor: "admin", clientAddress: "127.0.0.1", action: "x", objectType: "user",
                                 objectID: "u\(i)", details: "{}", prevHash: prev, hash: h))
            prev = h
        }
        return entries
    }

    func testIntactChainVerifies() {
        XCTAssertNil(AuditChain.verify(chain(10)))
    }

    func testFirstBrokenLinkIsReported() {
        var entries = chain(10)
        entries[3].details = "{\"role\":\"admin\"}"
        XCTAssertEqual(AuditChain.verify(entries), .hashMismatch(seq: 4))
        entries = chain(10)
        entries.remove(at: 5)
        XCTAssertEqual(AuditChain.verify(entries), .gap(expected: 6, found: 7))
    }
}

final class BundleValidatorTests: XCTestCase {
    func minimal() -> CampaignBundle {
        CampaignBundle(
            campaign: .init(code: "CZ2022", name: "网安2022常州行动", timeZone: "Asia/Shanghai",
                            startsAt: "2022-05-16T00:00:00+08:00", endsAt: "2022-05-21T00:00:00+08:00"),
            units: [.init(code: "D01", name: "溧阳市", category: "辖市区", group: "district",
                          liaisons: [.init(name: "张三", phone: "13800000000")])],
            assets: [.init(code: "D01-1", unit: "D01", kind: "website", target: "www.example.gov.cn", origin: "declared")],
            teams: [.init(code: "T01", name: "检测一队")],
            findings: [.init(code: "F0001", unit: "D01", asset: "D01-1", team: "T01", kind: "vulnerability", severity: "high",
                             weakPassword: false, sensitiveRecords: 0, title: "SQL注入", status: "closed",
                             submittedAt: "2022-05-16T10:00:00+08:00", notifiedAt: "2022-05-16T12:00:00+08:00",
                             remediations: [.init(submittedAt: "2022-05-17T09:00:00+08:00", retest: "failed"),
                                            .init(submittedAt: "2022-05-17T20:00:00+08:00", retest: "passed")])])
    }

    func message(_ bundle: CampaignBundle) -> String? {
        do { _ = try BundleValidator.check(bundle); return nil } catch { return error.description }
    }

    func testSpecExampleIsValid() throws {
        let checked = try BundleValidator.check(minimal())
        XCTAssertEqual(checked.findings[0].remediations.count, 2)
        XCTAssertEqual(checked.campaign.startsAt, BundleDate.parse("2022-05-15T16:00:00Z"))
    }

    func testErrorsNameRecordAndField() {
        var b = minimal(); b.findings[0].unit = "NOPE"
        XCTAssertEqual(message(b), "finding F0001: unknown unit \"NOPE\"")
        b = minimal(); b.findings[0].severity = "severe"
        XCTAssertEqual(message(b), "finding F0001: invalid severity \"severe\" (one of: critical, high, medium, low)")
        b = minimal(); b.assets[0].unit = "D09"
        XCTAssertEqual(message(b), "asset D01-1: unknown unit \"D09\"")
        b = minimal(); b.units[0].liaisons = [.init(name: "张三", phone: "12345")]
        XCTAssertEqual(message(b), "unit D01: liaison phone \"12345\" is not a mainland mobile number")
        b = minimal(); b.findings[0].submittedAt = "yesterday"
        XCTAssertEqual(message(b), "finding F0001: submittedAt \"yesterday\" is not an ISO 8601 time with offset")
        b = minimal(); b.findings[0].remediations![1].retest = nil
        XCTAssertEqual(message(b), "finding F0001: status closed needs a latest report whose retest passed")
        b = minimal(); b.units.append(b.units[0])
        XCTAssertEqual(message(b), "unit D01: duplicate code \"D01\"")
    }

    func testDecodingErrorsNameTheRecord() {
        let json = #"{"format":"patrol.campaign.v1","campaign":{"code":"X","name":"x","startsAt":"2022-05-16T00:00:00+08:00","endsAt":"2022-05-21T00:00:00+08:00"},"units":[],"assets":[],"teams":[],"findings":[{"code":"F0004","unit":"D01"}]}"#
        XCTAssertThrowsError(try CampaignBundle.decode(Data(json.utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("finding F0004: missing field"), "\(error)")
        }
        XCTAssertThrowsError(try CampaignBundle.decode(Data("{not json".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("document:"), "\(error)")
        }
    }

    func testUnknownFieldsAreIgnored() throws {
        let json = #"{"format":"patrol.campaign.v1","extra":1,"campaign":{"code":"X","name":"x","startsAt":"2022-05-16T00:00:00+08:00","endsAt":"2022-05-21T00:00:00+08:00","colour":"red"},"units":[],"assets":[],"teams":[],"findings":[]}"#
        XCTAssertNoThrow(try BundleValidator.check(try CampaignBundle.decode(Data(json.utf8))))
    }
}

final class AssetTargetTests: XCTestCase {
    func testKinds() {
        XCTAssertNil(AssetTarget.check(kind: .website, target: "https://www.example.gov.cn/", ports: nil))
        XCTAssertEqual(AssetTarget.check(kind: .website, target: "www.example.gov.cn", ports: nil), .notURL)
        XCTAssertNil(AssetTarget.check(kind: .domain, target: "*.example.gov.cn", ports: "80,443,8000-8100"))
        XCTAssertEqual(AssetTarget.check(kind: .domain, target: "*.example.gov.cn", ports: "80,99999"), .badPorts)
        XCTAssertNil(AssetTarget.check(kind: .ip, target: "2001:db8::1", ports: nil))
        XCTAssertEqual(AssetTarget.check(kind: .ip, target: "256.1.1.1", ports: nil), .notIP)
        XCTAssertNil(AssetTarget.check(kind: .cidr, target: "192.0.2.0/24", ports: nil))
        XCTAssertEqual(AssetTarget.check(kind: .cidr, target: "192.0.2.0/33", ports: nil), .notCIDR)
        XCTAssertEqual(Phone.normalizedMainlandMobile("+86 138-0000-0000"), "13800000000")
        XCTAssertNil(Phone.normalizedMainlandMobile("12800000000"))
    }
}
