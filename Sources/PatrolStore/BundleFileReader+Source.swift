import PatrolCore

/// A bundle file's findings stream straight into the import (`patrol import FILE`).
extension BundleFileReader: BundleFindingSource, @unchecked Sendable {}
