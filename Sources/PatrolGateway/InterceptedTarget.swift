import PatrolStore

/// The decrypted side of an intercepted CONNECT: every request on it goes to this one checked target.
struct InterceptedTarget {
    var host: String
    var port: Int
    var grant: Grant
    var tester: GatewayDirectory.Tester
}
