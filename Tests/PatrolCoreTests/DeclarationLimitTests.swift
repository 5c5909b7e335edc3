import XCTest
@testable import PatrolCore

/// What a liaison may declare (issue 18, item 2): no block wider than /24 or /48, nothing holding a
/// special address; other roles and host names are not limited.
final class DeclarationLimitTests: XCTestCase {
    func testLiaisonTable() {
        let tooWide4 = DeclarationLimit.Refusal.tooWide(shortestPrefix: 24)
        let tooWide6 = DeclarationLimit.Refusal.tooWide(shortestPrefix: 48)
        let cases: [(AssetKind, String, DeclarationLimit.Refusal?)] = [
            (.cidr, "203.0.113.0/24", nil),
            (.cidr, "198.51.100.128/25", nil),
            (.cidr, "8.8.8.8/32", nil),
            (.cidr, "203.0.112.0/23", tooWide4),
            (.cidr, "198.51.0.0/16", tooWide4),
            (.cidr, "0.0.0.0/0", tooWide4),
            (.cidr, "2001:db8:1::/48", nil),
            (.cidr, "2001:db8:1:2::/64", nil),
            (.cidr, "2001:db8::/47", tooWide6),
            (.cidr, "::/0", tooWide6),
            (.cidr, "10.0.0.0/24", .special(.privateNetwork, range: IPNetwork("10.0.0.0/8")!)),
            (.cidr, "192.168.1.0/24", .special(.privateNetwork, range: IPNetwork("192.168.0.0/16")!)),
            (.cidr, "127.0.0.0/24", .special(.loopback, range: IPNetwork("127.0.0.0/8")!)),
            (.cidr, "169.254.169.0/24", .special(.cloudMetadata, range: IPNetwork("169.254.169.254/32")!)),
            (.cidr, "100.100.100.0/24", .special(.cloudMetadata, range: IPNetwork("100.100.100.200/32")!)),
            (.cidr, "fc00::/48", .special(.privateNetwork, range: IPNetwork("fc00::/7")!)),
            (.cidr, "fe80::/64", .special(.linkLocal, range: IPNetwork("fe80::/10")!)),
            (.cidr, "::ffff:10.0.0.0/120", .special(.privateNetwork, range: IPNetwork("10.0.0.0/8")!)),
            (.cidr, "64:ff9b::a00:0/120", .special(.privateNetwork, range: IPNetwork("10.0.0.0/8")!)),
            (.cidr, "64:ff9b::cb00:7100/120", nil),
            (.cidr, "64:ff9b::/48", .special(.cloudMetadata, range: IPNetwork("169.254.169.254/32")!)),
            (.ip, "203.0.113.7", nil),
            (.ip, "2001:db8::1", nil),
            (.ip, "127.0.0.1", .special(.loopback, range: IPNetwork("127.0.0.0/8")!)),
            (.ip, "10.1.2.3", .special(.privateNetwork, range: IPNetwork("10.0.0.0/8")!)),
            (.ip, "169.254.169.254", .special(.cloudMetadata, range: IPNetwork("169.254.169.254/32")!)),
            (.ip, "::1", .special(.loopback, range: IPNetwork("::1/128")!)),
            (.ip, "fc00::1", .special(.privateNetwork, range: IPNetwork("fc00::/7")!)),
            (.ip, "::ffff:127.0.0.1", .special(.loopback, range: IPNetwork("127.0.0.0/8")!)),
            (.domain, "*.d01.changzhou.example", nil),
            (.domain, "www.d01.changzhou.example", nil),
            (.domain, "10.0.0.1", .special(.privateNetwork, range: IPNetwork("10.0.0.0/8")!)),
            (.website, "https://www.d01.changzhou.example/", nil),
            (.website, "http://203.0.113.9:8080/login", nil),
            (.website, "http://169.254.169.254/latest/meta-data/", .special(.cloudMetadata, range: IPNetwork("169.254.169.254/32")!)),
            (.website, "http://[::1]:8080/", .special(.loopback, range: IPNetwork("::1/128")!)),
            (.cidr, "203.0.113.0/+24", .unreadable),
            (.other, "10.0.0.0/8", nil),
        ]
        for (kind, target, expected) in cases {
            XCTAssertEqual(DeclarationLimit.check(kind: kind, target: target, role: .liaison), expected, "\(kind) \(target)")
        }
    }

    func testOtherRolesAreNotLimited() {
        for role in Role.allCases where role != .liaison {
            for (kind, target) in [(AssetKind.cidr, "0.0.0.0/0"), (.cidr, "10.0.0.0/8"), (.ip, "127.0.0.1"), (.cidr, "::/0")] {
                XCTAssertNil(DeclarationLimit.check(kind: kind, target: target, role: role), "\(role) \(target)")
            }
        }
    }
}
