import Foundation
import PatrolCore

extension Campaign {
    public var testingWindow: TestingWindow { TestingWindow(state: state, startsAt: startsAt, endsAt: endsAt) }
}
