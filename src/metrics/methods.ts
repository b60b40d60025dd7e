// HTTP methods as small indexes, so the worker can count per method without
// keeping the method string. Anything else is counted as OTHER.
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'OTHER'] as const
export type Method = (typeof METHODS)[number]
export const METHOD_OTHER = METHODS.length - 1

/** Index of a method into METHODS; accepts uWS's lower-case getMethod() and upper case. Allocation-free. */
export function methodIndex(method: string): number {
  switch (method) {
    case 'get':
    case 'GET':
      return 0
    case 'head':
    case 'HEAD':
      return 1
    case 'post':
    case 'POST':
      return 2
    case 'put':
    case 'PUT':
      return 3
    case 'delete':
    case 'DELETE':
      return 4
    case 'connect':
    case 'CONNECT':
      return 5
    case 'options':
    case 'OPTIONS':
      return 6
    case 'trace':
    case 'TRACE':
      return 7
    case 'patch':
    case 'PATCH':
      return 8
    default:
      return METHOD_OTHER
  }
}
