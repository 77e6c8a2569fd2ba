/**
 * Where a runner listens (`--listen HOST:PORT`), which is also the address the cluster knows it by, and where a
 * free port comes from when the port is 0.
 */
import * as net from "node:net"
import { Effect } from "effect"

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** The highest TCP port. */
const maxPort = 65_535

/** `HOST:PORT` (`[IPv6]:PORT` for an IPv6 address), or a reason it is not one. */
export const parseListen = (text: string): ListenAddress | string => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text)
  if (match === null) return `--listen must be HOST:PORT (e.g. node-3:34431, or 127.0.0.1:0 for a free port), got ${text}`
  const port = Number(match[3])
  if (port > maxPort) return `--listen port must be at most ${maxPort}, got ${port}`
  return { host: match[1] ?? match[2]!, port }
}

/** A port on `host` that nothing listens on now. */
export const freePort = (host: string) =>
  Effect.callback<number, Error>((resume) => {
    const server = net.createServer()
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resume(Effect.succeed(port)))
    })
  })
