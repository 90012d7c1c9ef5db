import { z } from "zod";

// Network options shared by the specs of every construct that publishes a port.

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

/** A host address to bind published ports to. */
export const bindAddress = z
    .string()
    .refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, "must be an IP address: 127.0.0.1 (default) keeps the port on this machine, 0.0.0.0 opens it to every interface");
