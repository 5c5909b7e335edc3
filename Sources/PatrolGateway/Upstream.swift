import NIOConcurrencyHelpers
import NIOCore
import PatrolCore

/// A keep-alive connection to a target, reused while the next request goes to the same place.
final class Upstream {
    struct Key: Equatable {
        var address: IPAddress
        var port: Int
        var tls: Bool
        var serverName: String
    }

    let key: Key
    let channel: any Channel
    let handler: UpstreamHTTPHandler
    let certificate: NIOLockedValueBox<String?>
    var reusable = false

    init(key: Key, channel: any Channel, handler: UpstreamHTTPHandler, certificate: NIOLockedValueBox<String?>) {
        self.key = key
        self.channel = channel
        self.handler = handler
        self.certificate = certificate
    }
}
