// Script-tag build (dist/omnitrail.min.js): the one side-effectful entry of the package.
import { boot } from './boot';
import { idbQueue } from './queue';

boot(idbQueue);
